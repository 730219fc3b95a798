"""The model picker: the zoo by family, picking, options forms, search, cards, figures."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.models.model_cards import card_for
from cnnstudio.gui.models.model_picker import ModelPicker
from cnnstudio.gui.models.model_tree import NAME, NAME_ROLE

METAS = load_model_metadata()
FIGURES_TIMEOUT_MS = 90_000  # the first build imports TensorFlow


@pytest.fixture
def picker(qtbot):
    picker = ModelPicker(StudioContext())
    qtbot.addWidget(picker)
    yield picker
    picker.shutdown()
    assert not picker._stats.isRunning()


def tree_rows(picker):
    """[(family, [model names])] in display order."""
    rows = []
    for index in range(picker.tree.topLevelItemCount()):
        family = picker.tree.topLevelItem(index)
        rows.append(
            (
                family.text(NAME),
                [family.child(i).data(NAME, NAME_ROLE) for i in range(family.childCount())],
            )
        )
    return rows


def test_every_model_is_listed_once_under_its_family_with_year_and_figures(picker):
    rows = tree_rows(picker)
    listed = [name for _, names in rows for name in names]
    assert listed == list(METAS)
    for family, names in rows:
        assert {METAS[name].family for name in names} == {family}
    item = picker.tree.items["vgg16"]
    assert item.text(1) == "2014"
    assert item.text(2) == "138 M"  # canonical figures from the catalog until the engine is up
    assert item.font(2).italic()


def test_first_start_selects_lenet5_with_its_defaults(picker):
    assert picker.selected_model() == "lenet5"
    assert picker.title.text() == "LeNet-5"
    assert picker.options.values() == {
        "activation": "tanh",
        "pooling": "avg",
        "normalization": "none",
        "dropout": 0.0,
    }


def test_picking_a_model_updates_the_context_and_offers_only_its_options(picker):
    changes = []
    picker.context.selectionChanged.connect(lambda: changes.append(picker.context.selection))
    picker.tree.setCurrentItem(picker.tree.items["alexnet"])
    assert picker.context.selection.model == "alexnet"
    assert changes and changes[-1].model == "alexnet"
    assert picker.options.option_names() == [o.name for o in METAS["alexnet"].options]
    assert isinstance(picker.options.editor("grouped"), QCheckBox)
    assert isinstance(picker.options.editor("dropout"), QDoubleSpinBox)

    picker.tree.setCurrentItem(picker.tree.items["resnext50_32x4d"])
    names = picker.options.option_names()
    assert "grouped" not in names and "pooling" not in names
    cardinality = picker.options.editor("cardinality")
    assert isinstance(cardinality, QSpinBox)
    assert (cardinality.minimum(), cardinality.maximum(), cardinality.value()) == (1, 64, 32)


def test_choosing_an_option_writes_only_the_changes_to_the_context(picker):
    activation = picker.options.editor("activation")
    assert isinstance(activation, QComboBox)
    assert [activation.itemData(i) for i in range(activation.count())] == [
        "relu",
        "tanh",
        "sigmoid",
    ]
    activation.setCurrentIndex(activation.findData("relu"))
    assert picker.context.selection.model_options == {"activation": "relu"}
    dropout = picker.options.editor("dropout")
    assert dropout.maximum() < 1.0  # the table says dropout < 1
    dropout.setValue(0.3)
    assert picker.context.selection.model_options == {"activation": "relu", "dropout": 0.3}
    picker.options.reset()
    assert picker.context.selection.model_options == {}


def test_options_are_remembered_per_model_while_browsing(picker):
    picker.options.editor("activation").setCurrentIndex(0)  # relu
    picker.tree.setCurrentItem(picker.tree.items["vgg11"])
    assert picker.context.selection.model_options == {}
    picker.tree.setCurrentItem(picker.tree.items["lenet5"])
    assert picker.context.selection.model_options == {"activation": "relu"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("res", ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d"]),
        ("ResNet-5", ["resnet50"]),
        ("googlenet", ["inception_v1"]),
        ("vgg", ["vgg11", "vgg13", "vgg16", "vgg19"]),
    ],
)
def test_search_filters_by_name_alias_and_family(picker, text, expected):
    picker.search.setText(text)
    assert picker.visible_models() == expected
    assert picker.no_match.isHidden()


def test_search_without_a_match_says_so_and_clearing_shows_all(picker):
    picker.search.setText("transformer")
    assert picker.visible_models() == []
    assert not picker.no_match.isHidden()
    picker.search.clear()
    assert picker.visible_models() == list(METAS)


def test_every_model_has_a_card_and_vgg_shows_the_3x3_arithmetic(picker):
    for meta in METAS.values():
        assert card_for(meta.name, meta.family) is not None, meta.name
    vgg = card_for("vgg16", "VGG")
    example = "\n".join(vgg.worked_example)
    assert "2*(3*3*C*C) = 18 C^2" in example and "25 C^2" in example
    picker.tree.setCurrentItem(picker.tree.items["vgg16"])
    assert "18 C^2" in picker.card.toPlainText()
    assert (
        card_for("inception_v2", "Inception").headline
        != card_for("inception_v3", "Inception").headline
    )


def test_figures_follow_the_data_set_input_and_the_options_once_the_engine_is_ready(picker, qtbot):
    picker.show()
    picker.context.mark_engine_ready()  # the worker imports the zoo itself
    qtbot.waitUntil(lambda: "61,706" in picker.figures.text(), timeout=FIGURES_TIMEOUT_MS)
    assert "32x32x1" in picker.figures.text()  # 28x28 MNIST grown to LeNet-5's minimum
    assert not picker.tree.items["lenet5"].font(2).italic()
    picker.hide()  # drops the rest of the zoo from the queue: the test need not build it all
    # BatchNorm layers bring parameters of their own (scale, shift, moving statistics).
    picker.options.editor("normalization").setCurrentIndex(0)  # batch
    qtbot.waitUntil(lambda: "61,706" not in picker.figures.text(), timeout=FIGURES_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "62,132" in picker.figures.text(), timeout=FIGURES_TIMEOUT_MS)


def test_a_model_that_cannot_take_the_input_says_why(picker, qtbot):
    picker.context.mark_engine_ready()
    picker.tree.setCurrentItem(picker.tree.items["resnet50"])
    picker.options.editor("stem").setCurrentIndex(1)  # the ImageNet stem on 28x28 MNIST
    qtbot.waitUntil(lambda: "Cannot build" in picker.figures.text(), timeout=FIGURES_TIMEOUT_MS)
    assert "needs inputs of at least 32x32" in picker.figures.text()
    assert picker.tree.items["resnet50"].text(2) == "n/a"


def test_the_layer_graph_button_asks_for_the_graph_view(picker, qtbot):
    with qtbot.waitSignal(picker.context.viewRequested) as request:
        picker.graph_button.click()
    assert request.args == ["graph"]


def test_train_this_model_asks_for_the_training_view_with_the_model_selected(picker, qtbot):
    picker.tree.setCurrentItem(picker.tree.items["vgg11"])
    assert picker.context.selection.model == "vgg11"
    with qtbot.waitSignal(picker.context.viewRequested) as request:
        picker.train_button.click()
    assert request.args == ["training"] and picker.context.selection.model == "vgg11"


def test_the_arrow_keys_go_from_model_to_model_over_the_family_headings(picker, qtbot):
    from PySide6.QtCore import Qt

    rows = tree_rows(picker)
    order = [name for _, names in rows for name in names]
    tree = picker.tree
    tree.show()
    tree.setFocus()
    tree.setCurrentItem(tree.items[order[0]])
    for expected in order[1:]:  # down through every family boundary
        qtbot.keyClick(tree, Qt.Key.Key_Down)
        assert picker.selected_model() == expected
    qtbot.keyClick(tree, Qt.Key.Key_Down)  # past the last model: it stays
    assert picker.selected_model() == order[-1]
    for expected in reversed(order[:-1]):
        qtbot.keyClick(tree, Qt.Key.Key_Up)
        assert picker.selected_model() == expected
    qtbot.keyClick(tree, Qt.Key.Key_Up)  # above the first model is only its heading
    assert picker.selected_model() == order[0]
