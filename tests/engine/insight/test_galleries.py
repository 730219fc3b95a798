"""The choices the evaluation view makes from the figures, checked against plain loops here:
a confusion cell's images by confidence, the hardest and suspect rows, row normalisation, and
the refusal of damaged figures (a cache file is untrusted)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnstudio.engine.insight.evaluation import evaluate
from cnnstudio.engine.insight.galleries import (
    FiguresError,
    cell_rows,
    confusion_counts,
    hardest_rows,
    read_predictions,
    row_normalised,
    suggestions,
    suspect_rows,
)


class _Table:
    """A 'model' answering image i (a one-pixel array holding i) with row i of a table."""

    def __init__(self, probabilities: np.ndarray) -> None:
        self.probabilities = probabilities

    def __call__(self, batch, training=False):
        return self.probabilities[np.asarray(batch, np.int64).reshape(len(batch), -1)[:, 0]]


@pytest.fixture
def figures():
    rng = np.random.default_rng(3)
    raw = rng.uniform(size=(60, 4)) ** 3
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, size=60)
    batches = (
        np.arange(s, min(60, s + 16), dtype=np.float32).reshape(-1, 1, 1, 1)
        for s in range(0, 60, 16)
    )
    result = evaluate(_Table(probabilities), batches, labels, ["a", "b", "c", "d"])
    return json.loads(json.dumps(result.to_json()))  # as the cache gives them back


def test_each_cell_holds_its_images_most_confident_first(figures):
    predictions = read_predictions(figures)
    seen = []
    for true in range(4):
        for predicted in range(4):
            rows = cell_rows(predictions, true, predicted)
            expected = [
                i
                for i, row in enumerate(figures["predictions"])
                if row["true"] == true and row["predicted"] == predicted
            ]
            assert sorted(rows) == expected
            assert len(rows) == figures["confusion"][true][predicted]
            confidences = [figures["predictions"][i]["confidence"] for i in rows]
            assert confidences == sorted(confidences, reverse=True)
            seen += rows
    assert sorted(seen) == list(range(60))  # every image in exactly one cell


def test_hardest_and_suspects_follow_the_figures_order(figures):
    losses = [row["loss"] for row in figures["predictions"]]
    hardest = hardest_rows(figures, 60, limit=10)
    assert hardest == sorted(range(60), key=lambda i: -losses[i])[:10]
    suspects = suspect_rows(figures, 60)
    assert suspects == [entry["row"] for entry in figures["suspects"]]
    assert suggestions(figures) == {e["row"]: e["suggested"] for e in figures["suspects"]}


def test_rows_from_a_foreign_file_are_passed_over():
    figures = {"hardest": [3, "x", -1, 99, True, 3, 1], "suspects": [{"row": 2}, "x", {"row": 7}]}
    assert hardest_rows(figures, 5) == [3, 1]
    assert suspect_rows(figures, 5) == [2]
    assert hardest_rows({}, 5) == [] and suspect_rows({"suspects": 3}, 5) == []


def test_row_normalisation_divides_by_each_true_class():
    assert row_normalised([[3, 1], [0, 0]]) == [[0.75, 0.25], [0.0, 0.0]]


def test_damaged_figures_are_refused_with_a_reason(figures):
    assert confusion_counts(figures) == figures["confusion"]
    for key, value in (("confusion", [[1]]), ("confusion", [[1, 2, 3, -1]] * 4)):
        with pytest.raises(FiguresError):
            confusion_counts({**figures, key: value})
    for bad in ({"true": 9}, {"predicted": "b"}, {"confidence": float("nan")}, {"item": None}):
        damaged = [dict(figures["predictions"][0], **bad), *figures["predictions"][1:]]
        with pytest.raises(FiguresError):
            read_predictions({**figures, "predictions": damaged})
    with pytest.raises(FiguresError):
        read_predictions({"class_names": ["a"], "predictions": "x"})


def test_file_items_are_kept_as_paths(figures):
    rows = [dict(row, item=f"/data/{i}.png") for i, row in enumerate(figures["predictions"])]
    predictions = read_predictions({**figures, "predictions": rows})
    assert predictions[5].item == "/data/5.png" and predictions[5].row == 5


def test_a_run_evaluation_hands_back_the_split_it_evaluated():
    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.insight.run_evaluation import evaluate_run, evaluation_split
    from tests.engine.insight.lenet_run import make_lenet_run

    run = make_lenet_run()
    seen = []
    outcome = evaluate_run(
        run, batch_size=400, progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(0, 1000), (400, 1000), (800, 1000), (1000, 1000)]
    split = outcome.split
    expected = load_dataset("mnist-5k").validation
    np.testing.assert_array_equal(split.images, expected.images)
    assert [row["true"] for row in outcome.figures["predictions"]] == split.labels.tolist()
    again = evaluation_split(run, None)
    assert again.identity == split.identity
    seen.clear()
    cached = evaluate_run(run, progress=lambda done, total: seen.append((done, total)))
    assert cached.cached and cached.split.identity == split.identity and seen == [(1000, 1000)]


def test_the_shape_a_folder_was_read_at_is_checked():
    from cnnstudio.engine.insight.galleries import read_shape

    assert read_shape({"data": {"read_as": [28, 28, 1]}}) == (28, 28, 1)
    for bad in ([28, 28], [28, 28, 2], [0, 28, 1], [28.0, 28, 1], "28x28", None):
        assert read_shape({"data": {"read_as": bad}}) is None
    assert read_shape({}) is None and read_shape({"data": []}) is None
