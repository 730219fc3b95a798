"""The "Start here" tour: its steps select what they need and switch views; it opens by itself
on the first start only, and never for a window without settings."""

from __future__ import annotations

from PySide6.QtGui import QAction

from cnnstudio.gui.course.tour import STEPS


def test_the_tour_walks_from_the_pad_to_training_lenet_to_resnet_to_evaluation(window, qtbot):
    tour = window.course.tour
    assert not tour.isVisible()  # no settings: never by itself
    window.findChild(QAction, "startTourAction").trigger()
    qtbot.waitUntil(tour.isVisible)
    window.context.set_model("alexnet")
    window.context.set_dataset("cifar10")
    assert [step.view for step in STEPS] == ["pad", "training", "graph", "evaluate"]
    assert not tour.back_button.isEnabled()

    tour.show_button.click()
    qtbot.waitUntil(lambda: window.current_view() == "pad")
    tour.next_button.click()
    assert tour.counter.text() == "Step 2 of 4"
    tour.show_button.click()
    qtbot.waitUntil(lambda: window.current_view() == "training")
    assert window.context.selection.model == "lenet5"
    assert window.context.selection.dataset == "mnist-5k"
    tour.next_button.click()
    tour.show_button.click()
    qtbot.waitUntil(lambda: window.current_view() == "graph")
    assert window.context.selection.model == "resnet50"
    tour.next_button.click()
    assert not tour.next_button.isEnabled()
    tour.show_button.click()
    qtbot.waitUntil(lambda: window.current_view() == "evaluate")
    tour.back_button.click()
    assert tour.step() == 2
    tour.close_button.click()
    qtbot.waitUntil(lambda: not tour.isVisible())


def test_the_lessons_view_starts_the_tour(window, qtbot):
    window.view("lessons").tour_button.click()
    qtbot.waitUntil(window.course.tour.isVisible)
    assert window.course.tour.step() == 0


def _window_with_settings(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_tour_opens_by_itself_on_the_first_start_only(qtbot):
    first = _window_with_settings(qtbot)
    try:
        qtbot.waitUntil(first.course.tour.isVisible)
    finally:
        first.close()
    second = _window_with_settings(qtbot)
    try:
        assert not second.course.tour.isVisible()
        second.findChild(QAction, "startTourAction").trigger()  # still there when asked
        qtbot.waitUntil(second.course.tour.isVisible)
    finally:
        second.close()
