"""What the training charts show, as plain Python: every point of a run, smoothing, decimation.

No Qt and no matplotlib here: `RunSeries` keeps every point the engine reported (storage keeps
all, the edge throttles), `ema` smooths like TensorBoard, `decimate` thins a line for drawing
while keeping its extremes and both ends. The chart widget (`charts.py`) draws from these.

The x axis of every series is in epochs: batch `b` of epoch `e` (of `n` batches) sits at
`e - 1 + b / n`, and an epoch's summary at `e`, so batch and epoch points share one axis.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Lines are thinned to at most this many points before drawing (a 1000-pixel-wide axis cannot
# show more, and matplotlib's cost grows with the points it is given).
MAX_DRAWN_POINTS = 2000

# Colour-blind-friendly qualitative palette (Okabe-Ito, without black and yellow).
# The app's one qualitative palette (Tableau 10): ten hues told apart at a glance, in an order
# where the first few differ most; runs, curves and points take their colours from it in order.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#bab0ac",
)


def ema(values: Sequence[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: a debiased exponential moving average; NaNs pass through.

    weight 0 returns the values; 0.99 follows the trend of the last ~100 points. Debiasing
    (dividing by 1 - weight^k) keeps the start of the curve from being pulled towards zero.
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1); received {weight!r}")
    smoothed: list[float] = []
    last, count = 0.0, 0
    for value in values:
        if not math.isfinite(value):
            smoothed.append(value)
            continue
        last = last * weight + (1.0 - weight) * value
        count += 1
        smoothed.append(last / (1.0 - weight**count))
    return smoothed


def decimate(
    x: Sequence[float], y: Sequence[float], max_points: int = MAX_DRAWN_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """At most ~`max_points` points of the line (x, y), x ascending: the first and last point
    and, in each of `max_points // 2` equal-count buckets, its minimum and maximum in x order.
    A spike survives thinning, unlike taking every k-th point."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    count = len(xs)
    if count <= max_points:
        return xs, ys
    buckets = max(1, (max_points - 2) // 2)
    edges = np.linspace(1, count - 1, buckets + 1).astype(int)  # the ends are kept apart
    keep = [0]
    finite = np.where(np.isfinite(ys), ys, np.nan)
    for start, stop in itertools.pairwise(edges):
        if stop <= start:
            continue
        part = finite[start:stop]
        if np.all(np.isnan(part)):
            keep.append(start)
            continue
        low, high = start + int(np.nanargmin(part)), start + int(np.nanargmax(part))
        keep.extend(sorted({low, high}))
    keep.append(count - 1)
    index = np.asarray(keep)
    return xs[index], ys[index]


def run_colour(run_id: str, taken: Iterable[str] = ()) -> str:
    """The first colour of the palette that no other shown run has: two runs compared are blue
    and orange, never two shades of one hue (a colour from a hash of the id gave magenta and
    wine). A chart keeps a run's colour while it shows it."""
    used = set(taken)
    for colour in PALETTE:
        if colour not in used:
            return colour
    return PALETTE[zlib.crc32(run_id.encode("utf-8")) % len(PALETTE)]


@dataclass
class RunSeries:
    """Every point of one run: batch-level training curves and epoch-level summaries.

    The engine reports, per group of batches, Keras's running mean over the epoch so far (what
    history.jsonl keeps). The batch curves hold instead each group's own mean, recovered from
    two consecutive running means, so that the raw curve is raw and the smoothing is the only
    smoothing. Keras weights its means by images: with `batch_size` and `train_images` known
    the recovery is exact, otherwise it weights by batches (exact but for a short last batch).
    """

    run_id: str
    label: str
    planned_epochs: int = 1
    steps_per_epoch: int = 1
    batch_x: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    batch_accuracy: list[float] = field(default_factory=list)
    epoch_x: list[float] = field(default_factory=list)
    # Per epoch: loss, accuracy, val_loss, val_accuracy (NaN where absent).
    epoch_metrics: dict[str, list[float]] = field(default_factory=dict)
    learning_rate: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    # The starting learning rate, when known before the first epoch ends (sizes the axis).
    learning_rate_hint: float | None = None
    # Bumped on every change: the chart redraws only series whose version moved.
    version: int = 0
    # Smallest positive and largest finite value of each metric family ("loss" covers loss
    # and val_loss, batch and epoch points), kept as points arrive: the chart's limits need
    # them at every redraw, and scanning every point would cost O(points) each time.
    ranges: dict[str, list[float]] = field(default_factory=dict)
    batch_size: int | None = None
    train_images: int | None = None
    # The last report: (epoch, images seen in it, running mean loss, running mean accuracy).
    _running: tuple[int, int, float, float] = field(default=(0, 0, 0.0, 0.0), repr=False)

    METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")

    def add_batch(
        self, epoch: int, batch: int, steps_per_epoch: int, loss: float, accuracy: float
    ) -> None:
        """A report of the engine: `loss` and `accuracy` are the epoch's running means up to
        its batch `batch`; the series keeps the mean of the batches since the last report."""
        self.steps_per_epoch = max(1, steps_per_epoch)
        loss, accuracy = self._group_means(epoch, batch, float(loss), float(accuracy))
        self.batch_x.append(epoch - 1 + batch / self.steps_per_epoch)
        self.batch_loss.append(loss)
        self.batch_accuracy.append(accuracy)
        self._extend_range("loss", loss)
        self._extend_range("accuracy", accuracy)
        self.version += 1

    def _group_means(
        self, epoch: int, batch: int, loss: float, accuracy: float
    ) -> tuple[float, float]:
        seen = batch if self.batch_size is None else batch * self.batch_size
        if self.train_images:
            seen = min(seen, self.train_images)  # the epoch's last batch may be short
        last_epoch, last_seen, last_loss, last_accuracy = self._running
        if last_epoch != epoch or last_seen >= seen:  # a new epoch: its first group
            last_seen, last_loss, last_accuracy = 0, 0.0, 0.0
        self._running = (epoch, seen, loss, accuracy)
        new = seen - last_seen
        return (
            (loss * seen - last_loss * last_seen) / new,
            (accuracy * seen - last_accuracy * last_seen) / new,
        )

    def add_epoch(
        self,
        epoch: int,
        metrics: dict[str, float],
        learning_rate: float,
        is_best: bool | None = None,
    ) -> None:
        """One epoch's summary; `is_best` as the engine says (None: decide by val_accuracy)."""
        self.epoch_x.append(float(epoch))
        for name in self.METRICS:
            value = float(metrics.get(name, math.nan))
            self.epoch_metrics.setdefault(name, []).append(value)
            self._extend_range(name.removeprefix("val_"), value)
        self.learning_rate.append(float(learning_rate))
        if is_best is None:
            is_best = self._beats_best(metrics.get("val_accuracy", math.nan))
        if is_best:
            self.best_epoch = epoch
        self.planned_epochs = max(self.planned_epochs, epoch)
        self.version += 1

    def _extend_range(self, family: str, value: float) -> None:
        if not math.isfinite(value):
            return
        low_positive, high = self.ranges.setdefault(family, [math.inf, -math.inf, math.inf])[:2]
        span = self.ranges[family]
        if value > 0:
            span[0] = min(low_positive, value)
        span[1] = max(high, value)
        span[2] = min(span[2], value)

    def value_range(self, family: str, *, positive: bool) -> tuple[float, float] | None:
        """(min, max) of a family's finite values (min of the positive ones if `positive`)."""
        span = self.ranges.get(family)
        if span is None:
            return None
        low = span[0] if positive else span[2]
        return (low, span[1]) if math.isfinite(low) and math.isfinite(span[1]) else None

    def _beats_best(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_epoch is None:
            return True
        return value > self.metric_at("val_accuracy", self.best_epoch)

    def metric(self, name: str) -> list[float]:
        return self.epoch_metrics.get(name, [])

    def metric_at(self, name: str, epoch: int) -> float:
        values = self.metric(name)
        for x, value in zip(self.epoch_x, values, strict=False):
            if int(x) == epoch:
                return value
        return math.nan

    @classmethod
    def from_history(
        cls,
        run_id: str,
        label: str,
        entries: Iterable[dict[str, Any]],
        *,
        planned_epochs: int = 1,
        steps_per_epoch: int | None = None,
        batch_size: int | None = None,
        train_images: int | None = None,
    ) -> RunSeries:
        """A finished (or partial) run from its history.jsonl entries."""
        entries = list(entries)
        if not steps_per_epoch:
            batches = [e.get("batch", 0) for e in entries if e.get("kind") == "batch"]
            steps_per_epoch = max(batches, default=1) or 1
        series = cls(
            run_id,
            label,
            planned_epochs=max(1, planned_epochs),
            steps_per_epoch=steps_per_epoch,
            batch_size=batch_size,
            train_images=train_images,
        )
        for entry in entries:
            if entry.get("kind") == "batch":
                series.add_batch(
                    int(entry.get("epoch", 1)),
                    int(entry.get("batch", 0)),
                    steps_per_epoch,
                    _number(entry.get("loss")),
                    _number(entry.get("accuracy")),
                )
            elif entry.get("kind") == "epoch":
                series.add_epoch(
                    int(entry.get("epoch", 0)),
                    entry.get("metrics") or {},
                    _number(entry.get("learning_rate")),
                )
        return series

    def csv_rows(self) -> list[list[Any]]:
        """Rows of `CSV_HEADER`: every batch point, then every epoch summary."""
        rows: list[list[Any]] = []
        for x, loss, accuracy in zip(
            self.batch_x, self.batch_loss, self.batch_accuracy, strict=True
        ):
            rows.append([self.run_id, "batch", round(x, 6), loss, accuracy, "", "", ""])
        for index, x in enumerate(self.epoch_x):
            values = [self.metric(name)[index] for name in self.METRICS]
            rows.append([self.run_id, "epoch", x, *values, self.learning_rate[index]])
        return rows


CSV_HEADER = [
    "run",
    "kind",
    "epoch",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
    "learning_rate",
]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def grow_limits(
    old: tuple[float, float] | None, low: float, high: float, *, log: bool, ceiling: float | None
) -> tuple[float, float]:
    """`old` if it holds [low, high], else limits around them with room to grow into, so that
    a live curve crosses them (and causes a full draw) only a few times per run. With a
    `ceiling` (accuracy) the top is fixed just above it."""
    if ceiling is not None:
        high = ceiling
    if old is not None and old[0] <= low and high <= old[1]:
        return old
    if log:  # falling losses cross the bottom: leave most room there
        new = (low / 4.0, high * 2.0)
    else:
        span = max(high - low, 0.1 * abs(high), 1e-12)
        bottom = low - 0.25 * span
        new = (bottom if low < 0 else max(0.0, bottom), high + 0.25 * span)
    if ceiling is not None:
        new = (new[0], ceiling + 0.02)
    if old is not None:  # only grow
        new = (min(new[0], old[0]), max(new[1], old[1]))
    return new


class Smoother:
    """`ema` kept up to date incrementally: a live line grows by a few points per redraw, so
    only the new points are smoothed (a new weight, or a shorter line, starts over)."""

    def __init__(self) -> None:
        self.weight: float | None = None
        self.smoothed: list[float] = []
        self._last = 0.0
        self._count = 0

    def smooth(self, values: Sequence[float], weight: float) -> list[float]:
        if weight != self.weight or len(values) < len(self.smoothed):
            self.weight, self.smoothed, self._last, self._count = weight, [], 0.0, 0
        for value in values[len(self.smoothed) :]:
            if not math.isfinite(value):
                self.smoothed.append(value)
                continue
            self._last = self._last * weight + (1.0 - weight) * value
            self._count += 1
            self.smoothed.append(self._last / (1.0 - weight**self._count))
        return self.smoothed
