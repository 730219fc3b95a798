"""The chart widget: bounded redraw rate, blitting between rare full draws, exports."""

from __future__ import annotations

import csv
import time

import pytest
from PySide6.QtCore import QCoreApplication

pytest.importorskip("matplotlib")

from cnnstudio.gui.widgets.chart_data import RunSeries
from cnnstudio.gui.widgets.charts import TrainingChart


def _fill(series: RunSeries, epochs: int, steps: int) -> None:
    for epoch in range(1, epochs + 1):
        for batch in range(1, steps + 1):
            series.add_batch(
                epoch,
                batch,
                steps,
                loss=2.0 / (epoch + batch / steps),
                accuracy=min(0.99, 0.2 * epoch),
            )
        series.add_epoch(
            epoch,
            {
                "loss": 1.0 / epoch,
                "accuracy": 0.5,
                "val_loss": 1.1 / epoch,
                "val_accuracy": 0.5 + 0.01 * epoch,
            },
            0.01 / epoch,
        )


@pytest.fixture
def chart(qtbot):
    widget = TrainingChart(max_fps=10)
    qtbot.addWidget(widget)
    widget.resize(900, 550)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_redraws_are_bounded_while_points_stream_in(chart, qtbot):
    series = RunSeries("live", "live", planned_epochs=10, steps_per_epoch=100)
    chart.add_series(series)
    qtbot.waitUntil(lambda: len(chart.redraw_seconds) >= 1)
    before, full_before = len(chart.redraw_seconds), len(chart.full_draw_seconds)
    began = time.perf_counter()
    # 300 updates, each followed by the event loop's turn: far more than the chart may draw.
    # A fixed count, not a fixed time: on a busy machine the loop takes longer, and the bound
    # below grows with the time it took.
    for step in range(1, 301):
        series.add_batch(
            1 + step // 100, step % 100 + 1, 100, loss=1.0 + (step % 7) / 10, accuracy=0.5
        )
        chart.refresh()
        qtbot.wait(5)
    elapsed = time.perf_counter() - began
    redraws = len(chart.redraw_seconds) - before
    assert 2 <= redraws <= 10 * elapsed + 2, (redraws, elapsed)
    # Most redraws blit; full draws happen only when a limit has to grow.
    assert len(chart.full_draw_seconds) - full_before < redraws


def test_idle_chart_stops_its_timer(chart, qtbot):
    chart.add_series(RunSeries("a", "a"))
    qtbot.waitUntil(lambda: not chart._timer.isActive(), timeout=2000)
    count = len(chart.redraw_seconds)
    # Nothing is scheduled: delivering every pending event draws nothing more.
    QCoreApplication.sendPostedEvents()
    QCoreApplication.processEvents()
    assert not chart._timer.isActive() and len(chart.redraw_seconds) == count


def test_lines_hold_a_decimated_copy_and_every_point_is_kept(chart):
    series = RunSeries("big", "big", planned_epochs=50, steps_per_epoch=200)
    _fill(series, 50, 200)  # 10,000 batch points
    chart.add_series(series)
    chart.redraw_now()
    drawn = chart._runs["big"].lines["loss_raw"].get_xdata()
    assert len(series.batch_loss) == 10_000
    assert len(drawn) <= 2000 and drawn[0] == series.batch_x[0] and drawn[-1] == 50.0


def test_overlaid_runs_keep_their_colours(chart):
    a, b = RunSeries("run-a", "a"), RunSeries("run-b", "b")
    colour_a = chart.add_series(a)
    colour_b = chart.add_series(b)
    assert colour_a != colour_b
    chart.remove_series("run-b")
    assert chart.add_series(b) == colour_b and chart.colour_of("run-a") == colour_a


def test_smoothing_and_log_scale_controls(chart):
    series = RunSeries("s", "s", planned_epochs=2, steps_per_epoch=10)
    _fill(series, 2, 10)
    chart.add_series(series)
    chart.smoothing_slider.setValue(0)
    chart.redraw_now()
    smooth = chart._runs["s"].lines["loss_smooth"].get_ydata()
    assert list(smooth) == pytest.approx(series.batch_loss)  # weight 0: the raw values
    chart.smoothing_slider.setValue(95)
    chart.redraw_now()
    assert chart.smoothing_label.text() == "0.95"
    assert list(chart._runs["s"].lines["loss_smooth"].get_ydata()) != pytest.approx(
        series.batch_loss
    )
    chart.log_check.setChecked(False)
    assert chart.loss_axes.get_yscale() == "linear"


def test_png_and_csv_exports(chart, tmp_path):
    series = RunSeries("e", "e", planned_epochs=3, steps_per_epoch=5)
    _fill(series, 3, 5)
    chart.add_series(series)
    png = chart.save_png(tmp_path / "chart.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    with open(chart.save_csv(tmp_path / "chart.csv"), encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["run", "kind", "epoch"] and len(rows) == 1 + 15 + 3
