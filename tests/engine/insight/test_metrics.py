"""Evaluation figures checked against plain loops written here, independently of the module."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnstudio.engine.insight.metrics import (
    MetricsAccumulator,
    calibration,
    compute_metrics,
    precision_recall_curve,
)


def _random_case(seed: int = 0, count: int = 97, classes: int = 5):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(count, classes)) * 2
    labels = rng.integers(0, classes, size=count)
    logits[np.arange(count), labels] += 1.5  # better than chance
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return labels, probabilities.astype(np.float32)


def test_streamed_batches_give_the_figures_of_plain_loops():
    labels, probabilities = _random_case()
    accumulator = MetricsAccumulator(5)
    for start in range(0, len(labels), 10):
        accumulator.update(labels[start : start + 10], probabilities[start : start + 10])
    metrics = accumulator.compute()

    n, k = probabilities.shape
    predicted = [int(np.argmax(row)) for row in probabilities]
    assert metrics.accuracy == pytest.approx(
        sum(p == t for p, t in zip(predicted, labels, strict=True)) / n
    )
    top3 = sum(
        t in sorted(range(k), key=lambda c: -row[c])[:3]
        for row, t in zip(probabilities, labels, strict=True)
    )
    assert metrics.top3_accuracy == pytest.approx(top3 / n)
    loss = sum(-math.log(float(row[t])) for row, t in zip(probabilities, labels, strict=True)) / n
    assert metrics.loss == pytest.approx(loss, rel=1e-5)

    cells = [[0] * k for _ in range(k)]
    for t, p in zip(labels, predicted, strict=True):
        cells[t][p] += 1
    assert metrics.confusion == cells
    for c in range(k):
        tp = cells[c][c]
        column = sum(cells[r][c] for r in range(k))
        row = sum(cells[c])
        precision = tp / column if column else 0.0
        recall = tp / row if row else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        got = metrics.per_class[c]
        assert got["precision"] == pytest.approx(precision)
        assert got["recall"] == pytest.approx(recall)
        assert got["f1"] == pytest.approx(f1)
        assert got["support"] == row
        assert metrics.confusion_normalized[c] == pytest.approx([x / row for x in cells[c]])
    assert metrics.macro["f1"] == pytest.approx(sum(r["f1"] for r in metrics.per_class) / k)
    assert metrics.weighted["recall"] == pytest.approx(
        sum(r["recall"] * r["support"] for r in metrics.per_class) / n
    )
    losses = [-math.log(float(row[t])) for row, t in zip(probabilities, labels, strict=True)]
    assert metrics.hardest[:5] == sorted(range(n), key=lambda i: -losses[i])[:5]


def test_top3_is_absent_with_three_classes_or_fewer():
    labels, probabilities = _random_case(classes=3)
    assert compute_metrics(labels, probabilities).top3_accuracy is None


def test_calibration_error_matches_a_loop_over_fifteen_bins():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.3, 1.0, size=200)
    correct = rng.uniform(size=200) < confidence
    error, bins = calibration(confidence, correct, 15)
    expected = 0.0
    for b in range(15):
        lower, upper = b / 15, (b + 1) / 15
        members = [i for i in range(200) if lower < confidence[i] <= upper]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            mean = sum(confidence[i] for i in members) / len(members)
            expected += len(members) / 200 * abs(accuracy - mean)
        assert bins[b]["count"] == len(members)
    assert error == pytest.approx(expected)
    assert len(bins) == 15


def test_average_precision_matches_a_loop_over_thresholds():
    rng = np.random.default_rng(2)
    scores = np.round(rng.uniform(size=60), 1)  # ties on purpose
    positive = rng.uniform(size=60) < scores
    _, _, _, ap = precision_recall_curve(scores, positive)
    total = positive.sum()
    expected, previous_recall = 0.0, 0.0
    for threshold in sorted(set(scores.tolist()), reverse=True):
        admitted = scores >= threshold
        tp = (admitted & positive).sum()
        recall = tp / total
        expected += (recall - previous_recall) * tp / admitted.sum()
        previous_recall = recall
    assert ap == pytest.approx(expected)
    assert precision_recall_curve(scores, np.zeros(60, bool))[3] == 0.0


def test_suspect_labels_follow_per_class_mean_self_confidence():
    # Class 0's images have mean p0 = 0.8; class 1's mean p1 = 0.7.
    labels = np.array([0, 0, 0, 1, 1, 1])
    p1 = np.array([0.05, 0.05, 0.5, 0.9, 0.9, 0.3])
    probabilities = np.stack([1 - p1, p1], axis=1)
    suspects = compute_metrics(labels, probabilities).suspects
    # Row 5 (label 1, p0 = 0.7 < t0 = 0.8) is not confident enough; row 2 (label 0,
    # p1 = 0.5 < t1 = 0.7) neither. Lower t1 by making class 1's mean low: see below.
    assert suspects == []
    p1 = np.array([0.05, 0.05, 0.65, 0.7, 0.7, 0.6])  # t1 = 0.667, t0 = 0.75
    suspects = compute_metrics(labels, np.stack([1 - p1, p1], axis=1)).suspects
    assert [(s["row"], s["label"], s["suggested"]) for s in suspects] == []
    p1 = np.array([0.05, 0.05, 0.9, 0.6, 0.6, 0.6])  # t1 = 0.6, t0 = 0.667: row 2 -> class 1
    suspects = compute_metrics(labels, np.stack([1 - p1, p1], axis=1)).suspects
    assert [(s["row"], s["label"], s["suggested"]) for s in suspects] == [(2, 0, 1)]
    assert suspects[0]["confidence"] == pytest.approx(0.9)


def test_bad_shapes_and_labels_are_refused():
    accumulator = MetricsAccumulator(3)
    with pytest.raises(ValueError):
        accumulator.update([0, 1], np.zeros((2, 4)))
    with pytest.raises(ValueError):
        accumulator.update([0, 3], np.zeros((2, 3)))
