"""Runs at a glance: best validation accuracy against what a run cost, with the Pareto front.

For the runs of one data set, each run is a point: its best validation accuracy against its
parameters, its multiply-accumulates per image, or its training time. A run is on the Pareto
front when no other run is at least as accurate for at most the same cost and better in one of
the two (the lesson that separates VGG, accurate and huge, from ResNet and DenseNet, as accurate
for a fraction of the parameters).

Everything is read from the run records (untrusted: a damaged run, or one without a best
accuracy, is left out with its reason) and from the layer statistics (MACs of the configuration
the run trained, from the shipped statistics or the local cache, else a build without weights).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnnstudio.engine.store.runs import DAMAGED, Run, RunSummary

AXES = ("params", "macs", "seconds")


@dataclass(frozen=True)
class RunPoint:
    run_id: str
    name: str  # the run's display name
    model: str
    dataset: str
    accuracy: float  # best validation accuracy, 0..1
    params: int | None
    macs: int | None  # per image, at the run's input shape
    seconds: float | None  # training time, resumed sessions included
    pareto: dict[str, bool] = field(default_factory=dict, compare=False)  # per axis

    def cost(self, axis: str) -> float | None:
        value = getattr(self, axis)
        return float(value) if value is not None and value > 0 else None


def pareto_front(costs: Sequence[float | None], values: Sequence[float]) -> list[bool]:
    """For each point, True when no other point has a cost at most its own and a value at least
    its own, with one of the two strictly better. A point without a cost is never on it."""
    front = []
    for i, (cost, value) in enumerate(zip(costs, values, strict=True)):
        if cost is None or not math.isfinite(value):
            front.append(False)
            continue
        dominated = any(
            j != i
            and other is not None
            and other <= cost
            and values[j] >= value
            and (other < cost or values[j] > value)
            for j, other in enumerate(costs)
        )
        front.append(not dominated)
    return front


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _macs(record: dict[str, Any]) -> int | None:
    """MACs per image of the configuration the run trained; None when it cannot be known."""
    from cnnstudio.engine.anatomy.graph_source import zoo_stats

    model = record.get("model") if isinstance(record.get("model"), dict) else {}
    config = record.get("config") if isinstance(record.get("config"), dict) else {}
    name, shape, classes = model.get("name"), model.get("input_shape"), model.get("num_classes")
    options = config.get("model_options") if isinstance(config.get("model_options"), dict) else {}
    if not (isinstance(name, str) and isinstance(shape, list) and _int(classes)):
        return None
    try:
        return _int(zoo_stats(name, tuple(shape), classes, options).macs)
    except Exception:  # a model or option this version does not know: no MACs, still a point
        return None


def run_points(
    summaries: Iterable[RunSummary], dataset: str | None = None, *, with_macs: bool = True
) -> list[RunPoint]:
    """The points of the runs (of `dataset`, when given) that have a best validation accuracy,
    with their Pareto flags on each axis."""
    points = []
    for summary in summaries:
        if summary.status == DAMAGED or summary.best_val_accuracy is None:
            continue
        if dataset is not None and summary.dataset != dataset:
            continue
        try:
            record = Run(summary.path).record
        except (OSError, ValueError):
            continue
        model = record.get("model") if isinstance(record.get("model"), dict) else {}
        points.append(
            RunPoint(
                run_id=summary.id,
                name=summary.display_name,
                model=summary.model,
                dataset=summary.dataset,
                accuracy=float(summary.best_val_accuracy),
                params=_int(model.get("params")),
                macs=_macs(record) if with_macs else None,
                seconds=summary.duration_seconds if summary.duration_seconds > 0 else None,
            )
        )
    accuracies = [point.accuracy for point in points]
    for axis in AXES:
        flags = pareto_front([point.cost(axis) for point in points], accuracies)
        for point, flag in zip(points, flags, strict=True):
            point.pareto[axis] = flag
    return points


def datasets_of(summaries: Iterable[RunSummary]) -> list[str]:
    """The data sets that have at least one run with a best accuracy, most runs first."""
    counts: dict[str, int] = {}
    for summary in summaries:
        if summary.status != DAMAGED and summary.best_val_accuracy is not None:
            counts[summary.dataset] = counts.get(summary.dataset, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))
