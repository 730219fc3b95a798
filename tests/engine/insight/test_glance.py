"""Runs at a glance: the Pareto front checked against a brute-force definition, and points read
from real run records (damaged ones and other data sets left out)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnnstudio.engine.insight.glance import datasets_of, pareto_front, run_points
from cnnstudio.engine.store.runs import RunStore


def test_the_front_holds_the_points_no_other_beats_on_both_axes():
    costs = [10, 20, 20, 5, 40, None, 30]
    values = [0.90, 0.95, 0.93, 0.80, 0.95, 0.99, 0.97]
    assert pareto_front(costs, values) == [True, True, False, True, False, False, True]


@pytest.mark.parametrize("seed", range(5))
def test_the_front_agrees_with_brute_force_on_random_points(seed):
    rng = np.random.default_rng(seed)
    costs = [float(c) for c in rng.integers(1, 8, size=12)]  # ties on purpose
    values = [float(v) for v in rng.integers(0, 6, size=12) / 5]
    front = pareto_front(costs, values)
    for i, j in itertools.permutations(range(12), 2):
        beats = costs[j] <= costs[i] and values[j] >= values[i]
        if beats and (costs[j] < costs[i] or values[j] > values[i]):
            assert not front[i]
    for i in range(12):
        if not front[i]:
            assert any(
                costs[j] <= costs[i]
                and values[j] >= values[i]
                and (costs[j] < costs[i] or values[j] > values[i])
                for j in range(12)
            )


def _run(store, model, dataset, accuracy, params, seconds, options=None):
    run = store.create(model, dataset)
    record = {
        "schema_version": 2,
        "status": "finished",
        "model": {"name": model, "input_shape": [32, 32, 1], "num_classes": 10, "params": params},
        "config": {"model": model, "dataset": dataset, "model_options": options or {}},
        "elapsed_seconds": seconds,
    }
    if accuracy is not None:
        record["best"] = {"val_accuracy": accuracy, "epoch": 1}
    run.write_record(record)
    return run


def test_points_come_from_the_records_of_one_data_set():
    store = RunStore()
    small = _run(store, "lenet5", "mnist-5k", 0.97, 61_706, 30.0)
    big = _run(store, "lenet5", "mnist-5k", 0.96, 90_000, 60.0, {"activation": "relu"})
    _run(store, "lenet5", "mnist-5k", None, 61_706, 5.0)  # no best accuracy: not a point
    _run(store, "lenet5", "fashion-mnist", 0.88, 61_706, 10.0)
    damaged = store.create("lenet5", "mnist-5k")
    (damaged.path / "run.json").write_text("{ not json")
    summaries = store.summaries()
    assert datasets_of(summaries) == ["mnist-5k", "fashion-mnist"]
    points = {p.run_id: p for p in run_points(summaries, "mnist-5k")}
    assert set(points) == {small.id, big.id}
    assert points[small.id].params == 61_706 and points[small.id].seconds == 30.0
    # LeNet-5's MACs at 32x32x1 come from the layer statistics, the same for both activations.
    assert points[small.id].macs and points[small.id].macs == points[big.id].macs
    assert points[small.id].pareto == {"params": True, "macs": True, "seconds": True}
    assert points[big.id].pareto["params"] is False and points[big.id].pareto["seconds"] is False
