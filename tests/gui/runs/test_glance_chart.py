"""The run browser's "Accuracy for cost" tab: the runs of a data set as points at the place
their figures say, the Pareto front marked, a click selecting the run in the table."""

from __future__ import annotations

from tests.gui.runs.test_run_browser import browser, make_runs  # noqa: F401  (fixture)


def test_runs_are_points_and_a_click_selects_one(browser, qtbot):  # noqa: F811
    ids = make_runs(browser.store, 3)  # accuracies 0.90, 0.91, 0.92; times 0, 10, 20 s
    browser.refresh()
    glance = browser.glance
    with qtbot.waitSignal(glance.shown, timeout=30_000):
        browser.tabs.setCurrentWidget(glance)
    assert glance.dataset.currentText() == "mnist-5k"
    # Parameters are unknown in these records: the time axis has the two runs that took any.
    glance.axis.setCurrentIndex(glance.axis.findData("seconds"))
    plot = glance.plot
    assert sorted(p.run_id for p in plot.points) == sorted(ids[1:])
    slow, fast = (next(p for p in plot.points if p.run_id == i) for i in (ids[2], ids[1]))
    # The slower run is also the more accurate: both are on the front, drawn left to right.
    assert slow.pareto["seconds"] and fast.pareto["seconds"]
    assert plot.position(fast).x() < plot.position(slow).x()
    assert plot.position(fast).y() > plot.position(slow).y()  # lower accuracy, lower on screen
    assert "on the Pareto front" in plot.describe(slow)
    qtbot.mouseClick(plot, qtbot_left(), pos=plot.position(slow).toPoint())
    assert browser.selected_ids() == [ids[2]]


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
