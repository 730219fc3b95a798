"""Every technical term in the interface leads to its glossary entry (issue 24): the training
form's fields, the model options and the graph's legend carry the entry in their tooltips."""

from __future__ import annotations

from cnnstudio.gui.course.glossary_terms import TERMS_BY_KEY, term_note


def test_term_notes_name_the_term_in_both_languages_and_define_it():
    note = term_note("pooling")
    assert note.startswith("Glossary: Pooling (池化 / 汇聚（d2l-zh）)") and "window" in note
    assert term_note("no such term") == ""


def test_the_forms_and_the_legend_link_their_terms(qtbot):
    from cnnstudio.gui.graph.legend import KIND_TERMS, Legend
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.models.options_form import OPTION_TERMS
    from cnnstudio.gui.training.training_form import FIELD_TERMS, TrainingForm

    assert all(key in TERMS_BY_KEY for key in (*FIELD_TERMS.values(), *KIND_TERMS.values()))
    assert all(key in TERMS_BY_KEY for key in OPTION_TERMS.values())
    form = TrainingForm(StudioContext())
    qtbot.addWidget(form)
    assert "Glossary: Learning rate" in form.fields["learning_rate"].toolTip()
    assert "Glossary: Epoch" in form.fields["epochs"].whatsThis()
    legend = Legend()
    qtbot.addWidget(legend)
    legend.set_kinds(["conv", "pool"])
    from PySide6.QtWidgets import QLabel

    tips = [label.toolTip() for label in legend.findChildren(QLabel) if label.toolTip()]
    assert any(tip.startswith("Glossary: Convolution") for tip in tips)


def test_model_cards_and_the_graph_link_their_concept_demonstrations(qtbot):
    from PySide6.QtCore import QUrl

    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.models.model_picker import ModelPicker

    picker = ModelPicker(StudioContext())
    qtbot.addWidget(picker)
    picker.tree.setCurrentItem(picker.tree.items["resnet50"])
    assert "concept:residual" in picker.card.toHtml()
    with qtbot.waitSignal(picker.context.conceptRequested) as asked:
        picker.card.anchorClicked.emit(QUrl("concept:residual"))
    assert asked.args == ["residual"]
    picker.shutdown()
