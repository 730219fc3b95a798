"""Chart data: every point kept, TensorBoard smoothing, decimation that keeps extremes and ends,
the best epoch, stable run colours. Plain Python: no Qt, no matplotlib."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PySide6.QtGui import QColor

from cnnstudio.gui.widgets.chart_data import (
    CSV_HEADER,
    PALETTE,
    RunSeries,
    Smoother,
    decimate,
    ema,
    run_colour,
)


def test_ema_zero_weight_is_identity_and_debiased_start_equals_first_value():
    values = [3.0, 1.0, 2.0]
    assert ema(values, 0.0) == values
    smoothed = ema(values, 0.9)
    assert smoothed[0] == pytest.approx(3.0)  # debiased: not pulled towards 0
    # By hand: last = 0.9 * 0.3 + 0.1 * 1.0 = 0.37, debias 1 - 0.81 = 0.19.
    assert smoothed[1] == pytest.approx(0.37 / 0.19)


def test_ema_passes_nan_through_and_rejects_bad_weights():
    smoothed = ema([1.0, math.nan, 1.0], 0.5)
    assert math.isnan(smoothed[1]) and smoothed[2] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="smoothing weight"):
        ema([1.0], 1.0)


def test_incremental_smoother_matches_ema_and_restarts_on_new_weight():
    values = list(np.random.default_rng(0).random(50))
    smoother = Smoother()
    smoother.smooth(values[:20], 0.8)
    assert smoother.smooth(values, 0.8) == pytest.approx(ema(values, 0.8))
    assert smoother.smooth(values, 0.3) == pytest.approx(ema(values, 0.3))


def test_decimate_keeps_ends_and_extremes_within_budget():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 1000.0)
    y[31_337] = 50.0  # a spike a stride-based thinning would drop
    y[77_001] = -40.0
    dx, dy = decimate(x, y, 2000)
    assert len(dx) <= 2000
    assert (dx[0], dx[-1]) == (0.0, 99_999.0)
    assert dy.max() == 50.0 and dy.min() == -40.0
    assert np.all(np.diff(dx) > 0)  # still a line in x order


def test_decimate_leaves_short_lines_alone():
    dx, dy = decimate([0, 1, 2], [5, 6, 7], 2000)
    assert list(dx) == [0, 1, 2] and list(dy) == [5, 6, 7]


def test_series_keeps_every_point_and_marks_the_best_epoch():
    series = RunSeries("run-a", "a", planned_epochs=3, steps_per_epoch=4)
    for epoch, val_accuracy in ((1, 0.5), (2, 0.8), (3, 0.7)):
        for batch in range(1, 5):
            series.add_batch(epoch, batch, 4, loss=1.0 / epoch, accuracy=0.1 * epoch)
        series.add_epoch(epoch, {"loss": 1.0, "val_accuracy": val_accuracy}, 1e-3)
    assert len(series.batch_x) == 12
    assert series.batch_x[0] == 0.25 and series.batch_x[-1] == 3.0
    assert series.best_epoch == 2
    assert math.isnan(series.metric("val_loss")[0])  # absent metrics are NaN, not dropped


def test_engine_best_flag_wins_over_recomputing():
    series = RunSeries("run-b", "b")
    series.add_epoch(1, {"val_accuracy": 0.9}, 1e-3, is_best=True)
    series.add_epoch(2, {"val_accuracy": 0.95}, 1e-3, is_best=False)
    assert series.best_epoch == 1


def test_from_history_and_csv_rows():
    entries = [
        {"kind": "batch", "epoch": 1, "batch": 2, "step": 2, "loss": 2.0, "accuracy": 0.2},
        {"kind": "batch", "epoch": 1, "batch": 4, "step": 4, "loss": 1.5, "accuracy": 0.4},
        {
            "kind": "epoch",
            "epoch": 1,
            "metrics": {"loss": 1.5, "accuracy": 0.4, "val_loss": 1.2, "val_accuracy": 0.6},
            "learning_rate": 0.005,
        },
        {"kind": "batch", "epoch": 2, "batch": 2, "step": 6, "loss": 1.0, "accuracy": 0.7},
    ]
    series = RunSeries.from_history("r", "r", entries, planned_epochs=5)
    assert series.steps_per_epoch == 4 and series.planned_epochs == 5
    assert series.batch_x == [0.5, 1.0, 1.5]
    assert series.best_epoch == 1 and series.learning_rate == [0.005]
    rows = series.csv_rows()
    assert len(rows) == 4 and all(len(row) == len(CSV_HEADER) for row in rows)
    assert rows[-1][:3] == ["r", "epoch", 1.0] and rows[-1][-1] == 0.005


def test_runs_shown_together_get_the_palettes_distinct_hues_in_order():
    assert run_colour("20260101-120000-lenet5-mnist-5k") == PALETTE[0]
    taken: list[str] = []
    for index in range(len(PALETTE)):
        taken.append(run_colour(f"run-{index}", taken))
    assert taken == list(PALETTE)  # two runs: blue and orange, never two shades of one hue
    assert run_colour("one more", taken) in PALETTE
    hues = [QColor(colour).hslHue() for colour in PALETTE[:5]]
    apart = [min(abs(a - b), 360 - abs(a - b)) for a, b in itertools.combinations(hues, 2)]
    assert min(apart) >= 25  # the first five: five hue families


def test_value_ranges_follow_every_point_and_skip_nan_and_non_positive_for_log():
    series = RunSeries("r", "r")
    series.add_batch(1, 1, 2, loss=0.0, accuracy=0.1)
    series.add_batch(1, 2, 2, loss=math.nan, accuracy=0.4)
    series.add_epoch(1, {"loss": 2.0, "val_loss": 0.5, "accuracy": 0.3, "val_accuracy": 0.9}, 1e-3)
    assert series.value_range("loss", positive=True) == (0.5, 2.0)
    assert series.value_range("loss", positive=False) == (0.0, 2.0)
    assert series.value_range("accuracy", positive=False) == (0.1, 0.9)
    assert RunSeries("empty", "e").value_range("loss", positive=True) is None


def test_limits_only_grow_and_leave_room_so_full_draws_stay_rare():
    from cnnstudio.gui.widgets.chart_data import grow_limits

    log = grow_limits(None, 0.5, 2.3, log=True, ceiling=None)
    assert log == (0.125, 4.6)  # a quarter below: falling losses cross the bottom seldom
    assert grow_limits(log, 0.2, 2.0, log=True, ceiling=None) is log  # inside: unchanged
    grown = grow_limits(log, 0.1, 2.0, log=True, ceiling=None)
    assert grown[0] < 0.1 and grown[1] == 4.6  # grows, never shrinks
    accuracy = grow_limits(None, 0.3, 0.6, log=False, ceiling=1.0)
    assert accuracy[1] == 1.02 and 0.0 <= accuracy[0] < 0.3


def test_batch_curves_hold_each_groups_mean_not_keras_running_mean():
    # Keras reports the epoch's running mean: groups of 2 batches with means 2.0 and 1.0 read
    # 2.0 and then 1.5; the raw curve must show 2.0 and 1.0 (smoothing is the chart's job).
    series = RunSeries("r", "r", steps_per_epoch=4)
    series.add_batch(1, 2, 4, loss=2.0, accuracy=0.2)
    series.add_batch(1, 4, 4, loss=1.5, accuracy=0.3)
    series.add_batch(2, 2, 4, loss=0.8, accuracy=0.5)  # a new epoch starts a new mean
    assert series.batch_loss == pytest.approx([2.0, 1.0, 0.8])
    assert series.batch_accuracy == pytest.approx([0.2, 0.4, 0.5])


def test_group_means_weigh_a_short_last_batch_by_its_images():
    # 3 batches of 10 images and a last one of 5 (35 images): Keras's mean weighs by images.
    series = RunSeries("r", "r", steps_per_epoch=4, batch_size=10, train_images=35)
    series.add_batch(1, 3, 4, loss=1.0, accuracy=0.5)  # 30 images at 1.0
    series.add_batch(1, 4, 4, loss=(30 * 1.0 + 5 * 4.0) / 35, accuracy=(15 + 5) / 35)
    assert series.batch_loss == pytest.approx([1.0, 4.0])
    assert series.batch_accuracy == pytest.approx([0.5, 1.0])
