"""The Lessons view: the course's order, models that exist in the zoo, terms that exist in the
glossary, and buttons that select the lesson's model and bring the right view forward."""

from __future__ import annotations

import pytest

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.gui.course.glossary_terms import BY_KEY
from cnnstudio.gui.course.lessons import CONCEPTS, LESSONS

COURSE_ORDER = [
    "lenet",
    "alexnet",
    "vgg",
    "nin",
    "inception_v1",
    "inception_v2",
    "inception_v3",
    "normalization",
    "dropout",
    "resnet",
    "resnext",
    "densenet",
]
CONCEPT_KEYS = {
    "convolution",
    "pooling",
    "normalization",
    "dropout",
    "one_by_one",
    "residual",
    "activations",
    "receptive_field",
}


def test_the_lessons_follow_the_course_and_name_what_exists():
    assert [lesson.key for lesson in LESSONS] == COURSE_ORDER
    models = load_model_metadata()
    for lesson in LESSONS:
        assert lesson.model in models, f"{lesson.key}: no model {lesson.model!r} in the zoo"
        assert lesson.concepts and set(lesson.concepts) <= CONCEPT_KEYS, lesson.key
        assert lesson.terms and all(term in BY_KEY for term in lesson.terms), lesson.key
    assert set(CONCEPTS) == CONCEPT_KEYS
    assert all(term in BY_KEY for _label, term in CONCEPTS.values())


def test_lessons_is_the_first_view_and_lists_the_course(window):
    assert window.view_keys()[0] == "lessons"
    assert window.current_view() == "lessons"
    view = window.view("lessons")
    assert view.lesson_list.count() == len(LESSONS)
    assert view.lesson_list.item(4).text() == "5. Inception v1 (GoogLeNet)"


@pytest.mark.parametrize(
    ("button", "view_key"),
    [("card_button", "models"), ("graph_button", "graph"), ("train_button", "training")],
)
def test_each_lesson_s_buttons_select_its_model_and_open_the_view(window, qtbot, button, view_key):
    view = window.view("lessons")
    for lesson in LESSONS:
        window.show_view("lessons")
        window.context.set_model("lenet5" if lesson.model != "lenet5" else "alexnet")
        view.show_lesson(lesson.key)
        assert view.title.text() == lesson.title
        getattr(view, button).click()
        qtbot.waitUntil(lambda: window.current_view() == view_key)
        assert window.context.selection.model == lesson.model


def test_concept_buttons_ask_for_the_lesson_s_demonstrations(window, qtbot):
    view = window.view("lessons")
    view.show_lesson("resnet")
    shown = [key for key, button in view.concept_buttons.items() if button.isVisible()]
    assert sorted(shown) == sorted(LESSONS[COURSE_ORDER.index("resnet")].concepts)
    asked = []
    window.context.conceptRequested.connect(asked.append)
    with qtbot.waitSignal(window.context.conceptRequested):
        view.concept_buttons["residual"].click()
    assert asked == ["residual"]
    # The Concepts view comes forward on that demonstration.
    qtbot.waitUntil(lambda: window.current_view() == "concepts")
    assert window.view("concepts").current_concept() == "residual"


def test_names_that_differ_in_d2l_zh_show_in_tooltips(window):
    view = window.view("lessons")
    view.show_lesson("dropout")
    assert "暂退法" in view.title.toolTip()
    assert "暂退法" in view.concept_buttons["dropout"].toolTip()
    assert "汇聚" in view.concept_buttons["pooling"].toolTip()
    assert view.concept_buttons["convolution"].toolTip() == ""  # the same name in both
    view.terms.linkHovered.emit("dropout")
    assert "暂退法" in view.terms.toolTip()
    view.terms.linkHovered.emit("")
    assert view.terms.toolTip() == ""


def test_a_term_link_opens_its_glossary_entry(window, qtbot):
    view = window.view("lessons")
    view.show_lesson("lenet")
    assert 'href="feature_map"' in view.terms.text()
    with qtbot.waitSignal(window.context.glossaryRequested) as blocker:
        view.terms.linkActivated.emit("feature_map")
    assert blocker.args == ["feature_map"]
    glossary = window.course.glossary()
    qtbot.waitUntil(glossary.isVisible)
    assert glossary.current_term() == "feature_map"
    glossary.close()
