"""The evaluate view on a run of the bundled LeNet-5 (mnist-5k's 1,000 validation images): its
figures are the engine's, its confusion cells are counted from the predictions, a click on a
cell shows exactly that cell's images, most confident first; a refusal is said once and cleared;
the run browser's Evaluate opens the view on its run."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.engine.insight.lenet_run import make_lenet_run
from tests.gui.training_helpers import ready_context

EVALUATION_TIMEOUT_MS = 120_000  # TensorFlow's first trace of the model on a busy CPU


@pytest.fixture
def view(qtbot):
    from cnnstudio.gui.insight.evaluation_view import EvaluationView

    context = ready_context()
    context.lenet_run = make_lenet_run(context.run_store)
    widget = EvaluationView(context)
    qtbot.addWidget(widget)
    widget.resize(900, 640)
    widget.show()
    yield widget
    widget.shutdown()


def evaluate(view, qtbot) -> None:
    with qtbot.waitSignal(view.evaluationEnded, timeout=EVALUATION_TIMEOUT_MS):
        assert view.evaluate()


def test_the_view_shows_the_engines_figures_then_the_cached_ones(view, qtbot):
    from cnnstudio.gui.insight.summary_panel import percent

    assert view.runs.current().location == str(view.context.lenet_run.path)
    evaluate(view, qtbot)
    figures = view.figures
    assert figures["count"] == 1000 and figures["accuracy"] > 0.9
    assert view.summary.values["accuracy"].text() == percent(figures["accuracy"]) != "–"
    assert view.summary.values["top3_accuracy"].text() == percent(figures["top3_accuracy"])
    assert view.progress.value() == view.progress.maximum() == 1000
    assert "evaluated in" in view.status.text() and not view.message.isVisible()
    # The per-class table sorts by the number, the weakest class first.
    proxy = view.summary.proxy
    assert proxy.rowCount() == 10
    view.summary.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    lowest = min(row["f1"] for row in figures["per_class"])
    assert proxy.index(0, 3).data() == f"{lowest:.3f}"
    evaluate(view, qtbot)  # the same run and data again: read from the cache
    assert view.outcome.cached and "from the cache" in view.status.text()
    assert view.figures == figures
    view.choose_data("mnist-5k")  # other data: these figures are not its figures
    assert view.results.currentWidget() is view.empty and view.figures == {}


def test_stop_ends_the_evaluation_between_batches_and_caches_nothing(view, qtbot):
    from cnnstudio.engine.insight.evaluation import CACHE_FILE

    with qtbot.waitSignal(view.evaluationEnded, timeout=EVALUATION_TIMEOUT_MS):
        assert view.evaluate()
        assert view.evaluate_button.text() == "Stop"
        view.evaluate_button.click()  # asked before the first batch: it is the last
    assert view.status.text() == "Evaluation stopped." and view.figures == {}
    assert not (view.context.lenet_run.path / CACHE_FILE).exists()
    assert view.evaluate_button.text() == "Evaluate" and view.evaluate_button.isEnabled()


def test_the_confusion_cells_count_the_predictions(view, qtbot):
    evaluate(view, qtbot)
    counted = Counter((row["true"], row["predicted"]) for row in view.figures["predictions"])
    matrix = view.errors.matrix
    for true in range(10):
        for predicted in range(10):
            assert matrix.counts[true][predicted] == counted[(true, predicted)]
            assert matrix.text(true, predicted) == str(counted[(true, predicted)])
    view.errors.normalised.setChecked(True)
    share = counted[(3, 3)] / sum(counted[(3, p)] for p in range(10))
    assert matrix.text(3, 3) == f"{share:.0%}"
    tip = matrix.tooltip(3, 3)
    assert tip.startswith(f"true 3, predicted 3: {counted[(3, 3)]} images (")


def test_clicking_a_cell_shows_exactly_its_images_most_confident_first(view, qtbot):
    evaluate(view, qtbot)
    view.tabs.setCurrentWidget(view.errors)
    matrix, model = view.errors.matrix, view.errors.model
    predictions = view.figures["predictions"]
    errors = Counter(
        (row["true"], row["predicted"]) for row in predictions if row["true"] != row["predicted"]
    )
    for cell in [(7, 7), errors.most_common(1)[0][0]]:
        qtbot.waitUntil(lambda cell=cell: matrix.cell_rect(*cell).bottom() < matrix.height())
        qtbot.mouseClick(matrix, Qt.MouseButton.LeftButton, pos=matrix.cell_rect(*cell).center())
        expected = {
            i for i, row in enumerate(predictions) if (row["true"], row["predicted"]) == cell
        }
        rows = model.rows()
        assert set(rows) == expected and len(rows) == len(expected) > 0
        confidences = [predictions[row]["confidence"] for row in rows]
        assert confidences == sorted(confidences, reverse=True)
        assert matrix.selected == cell
        first = model.index(0)
        assert model.data(first, Qt.ItemDataRole.DecorationRole).width() > 0
        assert model.thumbnail_state(0) == ("ready", "")
        name = f"{cell[0]} / {cell[1]} / "
        assert model.data(first, Qt.ItemDataRole.DisplayRole).startswith(name)
    # The keyboard reaches every cell: an arrow moves the choice, Enter shows its images.
    matrix.setFocus()
    matrix.select(7, 7)
    qtbot.keyClick(matrix, Qt.Key.Key_Right)
    qtbot.keyClick(matrix, Qt.Key.Key_Return)
    assert matrix.selected == (7, 8)
    assert {predictions[row]["predicted"] for row in model.rows()} <= {8}
    view.errors.source.setCurrentIndex(1)  # the hardest examples
    losses = [predictions[row]["loss"] for row in model.rows()]
    assert losses == sorted(losses, reverse=True) and len(losses) == 200


def test_a_refusal_is_said_once_and_cleared_when_the_data_changes(view, qtbot, tmp_path):
    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(2):
            Image.new("L", (28, 28), color=60 * i).save(tmp_path / name / f"{i}.png")
    view.choose_folder(tmp_path)
    evaluate(view, qtbot)
    text = view.message.text()
    assert view.message.isVisible() and "2 classes" in text and "10" in text
    shown = [w for w in view.findChildren(QLabel) if w.isVisible() and text in w.text()]
    assert shown == [view.message]
    assert view.results.currentWidget() is view.empty  # no figures of another run stand in
    view.choose_data(None)
    assert not view.message.isVisible() and view.message.text() == ""


def test_an_image_folder_is_evaluated_and_its_files_shown_by_path(view, qtbot, tmp_path):
    from cnnstudio.engine.data.datasets import load_dataset

    split = load_dataset("mnist-5k").validation
    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
        for row in [int(r) for r in (split.labels == digit).nonzero()[0][:2]]:
            Image.fromarray(split.images[row, ..., 0]).save(tmp_path / str(digit) / f"{row}.png")
    view.choose_folder(tmp_path)
    evaluate(view, qtbot)
    assert view.figures["count"] == 20 and view.outcome.split is None
    assert view.progress.value() == view.progress.maximum() == 20
    view.tabs.setCurrentWidget(view.errors)
    view.errors.show_cell(4, 4)
    model = view.errors.model
    assert len(model.rows()) == view.errors.matrix.counts[4][4] > 0
    item = model.prediction(0).item
    assert isinstance(item, str) and item.startswith(str(tmp_path)) and "/4/" in item
    model.data(model.index(0), Qt.ItemDataRole.DecorationRole)  # as the list view asks
    qtbot.waitUntil(lambda: model.thumbnail_state(0)[0] != "loading")
    assert model.thumbnail_state(0) == ("ready", "")
    assert item in model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)


def test_the_run_browsers_evaluate_opens_the_view_on_its_run(qtbot):
    from cnnstudio.gui.shell.main_window import MainWindow

    context = ready_context()
    run = make_lenet_run(context.run_store)
    window = MainWindow(context, use_settings=False)
    qtbot.addWidget(window)
    window.show()
    browser, view = window.view("runs"), window.view("evaluate")
    window.show_view("runs")
    browser.select_runs([run.id])
    assert browser.buttons["evaluate"].isEnabled()
    with qtbot.waitSignal(view.evaluationShown, timeout=EVALUATION_TIMEOUT_MS):
        browser.buttons["evaluate"].click()
        assert window.current_view() == "evaluate"
    assert view.runs.current().location == str(run.path)
    qtbot.waitUntil(lambda: not view.is_evaluating())
    # An image of the gallery, double-clicked: the Explain view shows it with the run's model.
    explain = window.view("explain")
    gallery = view.errors.gallery
    view.tabs.setCurrentWidget(view.errors)
    qtbot.waitUntil(lambda: gallery.model().rowCount() > 0)
    first = gallery.model().prediction(0)
    pixels = view.outcome.split.images[first.item]
    with qtbot.waitSignal(explain.explanationShown, timeout=EVALUATION_TIMEOUT_MS):
        gallery.activated.emit(gallery.model().index(0))
        assert window.current_view() == "explain"
    assert explain.model.source.location == str(run.path)
    assert f"evaluated image {first.row + 1}" in explain.image_label.text()
    # LeNet-5 reads the 28 x 28 digit padded to 32 x 32: the same pixels, scaled to [0, 1].
    np.testing.assert_allclose(explain.image.fitted[2:30, 2:30], pixels / 255.0, atol=1e-6)
    window.close()
