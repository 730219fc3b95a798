"""Streamed evaluation, its JSON, and the cache in the run folder (read as untrusted input)."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

from cnnstudio.engine.insight.evaluation import (
    CACHE_FILE,
    cache_key,
    evaluate,
    read_cache,
    write_cache,
)

CLASSES = ["a", "b", "c"]


class _Table:
    """A 'model' that answers each image (a one-pixel array holding its row) with a fixed row of
    probabilities, and records the largest batch it was given."""

    def __init__(self, probabilities: np.ndarray) -> None:
        self.probabilities = probabilities
        self.largest = 0

    def __call__(self, batch, training=False):
        rows = np.asarray(batch, np.int64).reshape(len(batch), -1)[:, 0]
        self.largest = max(self.largest, len(rows))
        return self.probabilities[rows]


def _case():
    rng = np.random.default_rng(0)
    raw = rng.uniform(size=(23, 3))
    probabilities = raw / raw.sum(axis=1, keepdims=True)
    labels = rng.integers(0, 3, size=23)
    return probabilities, labels


def _batches(count: int, size: int):
    for start in range(0, count, size):
        yield np.arange(start, min(count, start + size), dtype=np.float32).reshape(-1, 1, 1, 1)


def test_streamed_evaluation_keeps_per_image_predictions_and_figures():
    probabilities, labels = _case()
    model = _Table(probabilities)
    seen = []
    result = evaluate(model, _batches(23, 5), labels, CLASSES, progress=seen.append)
    assert model.largest == 5 and seen == [5, 10, 15, 20, 23]
    figures = json.loads(json.dumps(result.to_json()))  # JSON-ready, every value
    predictions = figures["predictions"]
    assert len(predictions) == 23
    for i, row in enumerate(predictions):
        best = max(range(3), key=lambda c: probabilities[i][c])
        assert row["item"] == i and row["true"] == labels[i] and row["predicted"] == best
        assert row["confidence"] == pytest.approx(probabilities[i][best])
        assert row["loss"] == pytest.approx(-math.log(probabilities[i][labels[i]]))
    cells = [[0, 0, 0] for _ in range(3)]
    for row in predictions:
        cells[row["true"]][row["predicted"]] += 1
    assert figures["confusion"] == cells
    correct = sum(row["true"] == row["predicted"] for row in predictions)
    assert figures["accuracy"] == pytest.approx(correct / 23)
    assert figures["top3_accuracy"] is None
    assert len(figures["reliability"]) == 15 and len(figures["pr_curves"]) == 3


def test_logits_are_softmaxed_and_labels_may_come_with_the_batches():
    probabilities, labels = _case()
    logits = np.log(probabilities) + 3.0  # not probabilities: negative and not summing to 1
    model = _Table(logits - 10.0)
    pairs = ((batch, labels[int(batch[0, 0, 0, 0]) :][: len(batch)]) for batch in _batches(23, 4))
    result = evaluate(model, pairs, None, CLASSES)
    np.testing.assert_allclose(result.metrics.confidence, probabilities.max(axis=1), rtol=1e-5)


def test_too_few_labels_are_refused():
    probabilities, labels = _case()
    with pytest.raises(ValueError, match="labels"):
        evaluate(_Table(probabilities), _batches(23, 5), labels[:20], CLASSES)


def test_cache_round_trip_and_refusals(tmp_path):
    probabilities, labels = _case()
    result = evaluate(_Table(probabilities), _batches(23, 8), labels, CLASSES)
    key = cache_key("0" * 64, {"dataset": "x", "count": 23})
    write_cache(tmp_path, key, result)
    assert read_cache(tmp_path, key) == json.loads(json.dumps(result.to_json()))
    assert read_cache(tmp_path, cache_key("1" * 64, {"dataset": "x", "count": 23})) is None
    path = tmp_path / CACHE_FILE
    text = path.read_text()
    for damaged in (text[: len(text) // 2], "[]", text.replace("cnnstudio-evaluation", "other")):
        path.write_text(damaged)
        assert read_cache(tmp_path, key) is None
    payload = json.loads(text)
    payload["result"]["confusion"] = [[1]]
    path.write_text(json.dumps(payload))
    assert read_cache(tmp_path, key) is None
    path.write_bytes(b"\xff\xfe")
    assert read_cache(tmp_path, key) is None


def test_the_bundled_lenet_on_its_validation_split_then_from_the_cache(lenet_run):
    from cnnstudio.engine.insight.run_evaluation import evaluate_run

    started = time.perf_counter()
    first = evaluate_run(lenet_run, batch_size=200)
    assert not first.cached and first.cache_file is not None
    figures = first.figures
    assert figures["count"] == 1000 and sum(map(sum, figures["confusion"])) == 1000
    assert figures["accuracy"] > 0.9 and figures["top3_accuracy"] >= figures["accuracy"]
    assert figures["data"]["split"] == "validation"
    print(f"evaluation: {first.result.seconds:.2f} s, in all {time.perf_counter() - started:.2f} s")
    second = evaluate_run(lenet_run)
    assert second.cached and second.figures == json.loads(json.dumps(figures))
    # A changed model file (saved again: new bytes) is a new key: recomputed.
    import keras

    before = lenet_run.model_file.read_bytes()
    keras.saving.load_model(lenet_run.model_file).save(lenet_run.model_file)
    assert lenet_run.model_file.read_bytes() != before
    assert not evaluate_run(lenet_run).cached
    # Another data set than the run's split is another key too.
    assert not evaluate_run(lenet_run, data="mnist-5k").cached


def test_an_image_folder_with_other_classes_is_refused_with_a_code(lenet_run, tmp_path):
    from PIL import Image

    from cnnstudio.engine.insight.run_evaluation import EvaluationDataError, evaluate_run

    for name in ("cat", "dog"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("L", (28, 28), color=40 * i).save(tmp_path / name / f"{i}.png")
    with pytest.raises(EvaluationDataError) as caught:
        evaluate_run(lenet_run, data=str(tmp_path))
    assert caught.value.code == "class_count_mismatch"
    assert caught.value.values == {"model_classes": 10, "data_classes": 2}
    assert not (lenet_run.path / CACHE_FILE).exists()


def test_an_image_folder_of_the_same_classes_is_evaluated_whole(lenet_run, tmp_path):
    from PIL import Image

    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.insight.run_evaluation import evaluate_run

    split = load_dataset("mnist-5k").validation
    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
        rows = np.nonzero(split.labels == digit)[0][:2]
        for row in rows:
            Image.fromarray(split.images[row, ..., 0]).save(tmp_path / str(digit) / f"{row}.png")
    outcome = evaluate_run(lenet_run, data=str(tmp_path))
    figures = outcome.figures
    # Every image of the folder (no validation split held back), its classes from sub-folders.
    assert figures["count"] == 20 and figures["data"]["split"] == "all"
    assert [row["support"] for row in figures["per_class"]] == [2] * 10
    assert figures["accuracy"] >= 0.8
