"""The evaluate view's results under the pseudo-translation (30-40 % longer, every text from the
catalog) at 1024 x 700: nothing cut, no horizontal scrolling, the window not widened. The figures
are made here from known probabilities (no model, no TensorFlow), 100 classes with long names,
so the axes and the legend meet their hardest case. Damaged figures are refused with a message
and the next evaluation recomputes them."""

from __future__ import annotations

import types

import numpy as np
import pytest

from cnnstudio import i18n
from tests.gui.test_pseudo_translation import cut_off, pseudo_catalog, visible_texts


def outcome(classes: int, count: int = 600, seed: int = 0):
    from cnnstudio.engine.insight.evaluation import EvaluationResult
    from cnnstudio.engine.insight.metrics import compute_metrics

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, count)
    logits = rng.normal(size=(count, classes))
    logits[np.arange(count), labels] += 3
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    names = [f"class_with_a_long_name_{i}" for i in range(classes)]
    data = {"dataset": "synthetic", "split": "validation"}
    result = EvaluationResult(
        names, compute_metrics(labels, probabilities), labels, list(range(count)), data, 1.5
    )
    split = types.SimpleNamespace(images=rng.integers(0, 255, (count, 32, 32, 3), np.uint8))
    return types.SimpleNamespace(figures=result.to_json(), cached=False, split=split)


@pytest.fixture
def window(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    i18n.use_catalog(pseudo_catalog(), "pseudo")
    try:
        window = MainWindow(StudioContext(), use_settings=False)
        qtbot.addWidget(window)
        window.resize(1024, 700)
        window.show()
        window.show_view("evaluate")
        yield window
        window.close()
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("classes", [10, 100])
def test_every_tab_of_the_results_fits_1024_by_700_in_a_longer_language(window, qtbot, classes):
    view = window.view("evaluate")
    assert view.show_evaluation(outcome(classes))
    scroll = window.findChild(type(window._frames["evaluate"]), "evaluateScroll")
    for tab in range(view.tabs.count()):
        view.tabs.setCurrentIndex(tab)
        qtbot.waitUntil(lambda tab=tab: view.tabs.currentWidget().isVisible())
        cut = [
            f"{type(widget).__name__} {widget.objectName()!r}: {text[:40]!r}"
            for widget, text in visible_texts(window)
            if cut_off(widget, text)
        ]
        assert cut == [], f"tab {tab}: cut off:\n" + "\n".join(cut)
        untranslated = [text for _widget, text in visible_texts(window) if "［" not in text]
        assert untranslated == []
        assert not scroll.horizontalScrollBar().isVisible(), f"tab {tab} scrolls sideways"
    assert window.width() <= 1024
    matrix = view.errors.matrix
    # 100 classes in the room of a pane: each cell still a few pixels, the matrix whole.
    assert matrix.cell_rect(classes - 1, classes - 1).bottom() < matrix.height()
    assert len(view.pr_curves.curves) == 10


def test_damaged_figures_are_refused_and_the_next_evaluation_recomputes(window):
    view = window.view("evaluate")
    damaged = outcome(10)
    damaged.figures["predictions"][3]["true"] = 42
    assert not view.show_evaluation(damaged)
    assert view.message.isVisible() and "42" in view.message.text()
    assert view.results.currentWidget() is view.empty and view._recompute
