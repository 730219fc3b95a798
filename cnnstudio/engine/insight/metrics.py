"""Evaluation figures from (true labels, class probabilities), fed in batches.

`MetricsAccumulator.update` takes one batch at a time and keeps only per-image rows (the
probabilities, float32, one row per image: what the precision-recall curves and the suspect
labels need); `compute()` turns them into plain numbers and lists, ready for JSON:

* accuracy, top-3 accuracy (only with more than 3 classes), loss (mean cross-entropy);
* per class precision, recall, F1, support; macro and support-weighted averages (sklearn's
  definitions: 0 where a denominator is 0);
* the confusion matrix (rows: true class, columns: predicted), counts and row-normalised;
* expected calibration error over 15 equal-width confidence bins (Guo et al. 2017), with the bins
  of its reliability diagram;
* one-vs-rest precision-recall curves and average precision (AP = sum (R_n - R_n-1) P_n, the
  step-wise area that sklearn's `average_precision_score` computes);
* the hardest examples (highest loss first) and suspect labels by confident learning
  (Northcutt et al. 2021): class j's threshold t_j is the mean probability of j over the images
  labelled j; an image is counted for the class j != its label with the highest p_j >= t_j.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnstudio.i18n import _

CALIBRATION_BINS = 15
# Probabilities are clipped before the logarithm so one confident mistake gives a finite loss.
_EPSILON = 1e-7


class MetricsAccumulator:
    """Collects batches of (labels, probabilities); `compute()` makes the figures."""

    def __init__(self, num_classes: int) -> None:
        if num_classes < 2:
            raise ValueError(
                _("evaluation needs at least 2 classes; received {num_classes}").format(
                    num_classes=num_classes
                )
            )
        self.num_classes = num_classes
        self._labels: list[np.ndarray] = []
        self._probabilities: list[np.ndarray] = []

    def update(self, labels: Any, probabilities: Any) -> None:
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        probabilities = np.asarray(probabilities, dtype=np.float32)
        if probabilities.shape != (len(labels), self.num_classes):
            raise ValueError(
                _(
                    "probabilities of shape {shape} for {len} labels and {num_classes} classes"
                ).format(shape=probabilities.shape, len=len(labels), num_classes=self.num_classes)
            )
        if len(labels) and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(_("labels must lie in 0..{value}").format(value=self.num_classes - 1))
        self._labels.append(labels)
        self._probabilities.append(probabilities)

    @property
    def labels(self) -> np.ndarray:
        return np.concatenate(self._labels) if self._labels else np.zeros(0, np.int64)

    @property
    def probabilities(self) -> np.ndarray:
        if not self._probabilities:
            return np.zeros((0, self.num_classes), np.float32)
        return np.concatenate(self._probabilities)

    def compute(self, **options: Any) -> Metrics:
        return compute_metrics(self.labels, self.probabilities, **options)


@dataclass
class Metrics:
    """Every figure of one evaluation, as plain Python values (see the module docstring)."""

    count: int
    accuracy: float
    top3_accuracy: float | None
    loss: float
    per_class: list[dict[str, float]]  # precision, recall, f1, support per class
    macro: dict[str, float]
    weighted: dict[str, float]
    confusion: list[list[int]]
    confusion_normalized: list[list[float]]
    calibration_error: float
    reliability: list[dict[str, float]]  # lower, upper, count, confidence, accuracy
    pr_curves: list[dict[str, Any]]  # precision, recall, thresholds, average_precision
    predicted: np.ndarray  # (N,) int64
    confidence: np.ndarray  # (N,) probability of the predicted class
    losses: np.ndarray  # (N,) cross-entropy of the true class
    hardest: list[int]  # image rows, highest loss first
    suspects: list[dict[str, Any]]  # row, label, suggested, confidence; most confident first

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "accuracy": self.accuracy,
            "top3_accuracy": self.top3_accuracy,
            "loss": self.loss,
            "per_class": self.per_class,
            "macro": self.macro,
            "weighted": self.weighted,
            "confusion": self.confusion,
            "confusion_normalized": self.confusion_normalized,
            "calibration_error": self.calibration_error,
            "reliability": self.reliability,
            "pr_curves": self.pr_curves,
            "hardest": self.hardest,
            "suspects": self.suspects,
        }


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """(classes, classes) int64 counts; row: true class, column: predicted class."""
    flat = np.asarray(labels, np.int64) * num_classes + np.asarray(predicted, np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, -1)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, np.float64)
    denominator = np.asarray(denominator, np.float64)
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def per_class_scores(confusion: np.ndarray) -> tuple[list[dict], dict, dict]:
    """Per-class precision/recall/F1/support, then the macro and weighted averages."""
    true_positive = np.diag(confusion).astype(np.float64)
    precision = _ratio(true_positive, confusion.sum(axis=0))
    recall = _ratio(true_positive, confusion.sum(axis=1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    support = confusion.sum(axis=1)
    rows = [
        {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for p, r, f, s in zip(precision, recall, f1, support, strict=True)
    ]
    total = support.sum()
    weights = support / total if total else np.zeros_like(support, np.float64)
    macro = {"precision": precision.mean(), "recall": recall.mean(), "f1": f1.mean()}
    weighted = {
        "precision": (precision * weights).sum(),
        "recall": (recall * weights).sum(),
        "f1": (f1 * weights).sum(),
    }
    return rows, {k: float(v) for k, v in macro.items()}, {k: float(v) for k, v in weighted.items()}


def calibration(
    confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS
) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error and the reliability diagram's bins (equal width on [0, 1];
    a confidence on an edge goes to the bin below it, as in Guo et al.)."""
    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Bin b holds (edges[b], edges[b + 1]]; a confidence of exactly 0 joins the first bin.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    error, rows = 0.0, []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        mean_confidence = float(confidence[members].mean()) if count else 0.0
        accuracy = float(correct[members].mean()) if count else 0.0
        if count:
            error += count * abs(accuracy - mean_confidence)
        rows.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "count": count,
                "confidence": mean_confidence,
                "accuracy": accuracy,
            }
        )
    return (error / len(confidence) if len(confidence) else 0.0), rows


def precision_recall_curve(
    scores: np.ndarray, positive: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Precision, recall at each distinct score threshold (highest first), the thresholds, and the
    average precision. Without any positive the curve is empty and AP is 0."""
    scores = np.asarray(scores, np.float64)
    positive = np.asarray(positive, bool)
    order = np.argsort(-scores, kind="mergesort")
    scores, positive = scores[order], positive[order]
    # The last row of each run of equal scores: a threshold admits ties all together.
    last = np.r_[np.nonzero(np.diff(scores))[0], len(scores) - 1] if len(scores) else []
    true_positives = np.cumsum(positive)[last]
    admitted = np.asarray(last, np.int64) + 1
    positives = int(positive.sum())
    if positives == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0), 0.0
    precision = true_positives / admitted
    recall = true_positives / positives
    gained = np.diff(np.r_[0.0, recall])
    return precision, recall, scores[last], float((gained * precision).sum())


def suspect_labels(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, Any]]:
    """Confident learning's off-diagonal of the confident joint, most confident first."""
    num_classes = probabilities.shape[1]
    thresholds = np.full(num_classes, np.inf)
    for j in range(num_classes):
        members = labels == j
        if members.any():
            thresholds[j] = probabilities[members, j].mean()
    above = np.where(probabilities >= thresholds, probabilities, -1.0)
    suggested = above.argmax(axis=1)
    has_class = above.max(axis=1) >= 0
    rows = np.nonzero(has_class & (suggested != labels))[0]
    found = [
        {
            "row": int(i),
            "label": int(labels[i]),
            "suggested": int(suggested[i]),
            "confidence": float(probabilities[i, suggested[i]]),
        }
        for i in rows
    ]
    found.sort(key=lambda item: (-item["confidence"], item["row"]))
    return found


def compute_metrics(
    labels: np.ndarray, probabilities: np.ndarray, *, bins: int = CALIBRATION_BINS
) -> Metrics:
    labels = np.asarray(labels, np.int64)
    probabilities = np.asarray(probabilities, np.float32)
    count, num_classes = probabilities.shape
    predicted = probabilities.argmax(axis=1) if count else np.zeros(0, np.int64)
    rows = np.arange(count)
    confidence = probabilities[rows, predicted].astype(np.float64)
    losses = -np.log(np.clip(probabilities[rows, labels].astype(np.float64), _EPSILON, 1.0))
    correct = predicted == labels
    top3 = None
    if num_classes > 3 and count:
        best3 = np.argsort(-probabilities, axis=1, kind="mergesort")[:, :3]
        top3 = float((best3 == labels[:, None]).any(axis=1).mean())
    confusion = confusion_matrix(labels, predicted, num_classes)
    per_class, macro, weighted = per_class_scores(confusion)
    normalized = _ratio(confusion, confusion.sum(axis=1, keepdims=True))
    error, reliability = calibration(confidence, correct, bins)
    curves = []
    for j in range(num_classes):
        precision, recall, thresholds, ap = precision_recall_curve(probabilities[:, j], labels == j)
        curves.append(
            {
                "precision": precision.tolist(),
                "recall": recall.tolist(),
                "thresholds": thresholds.tolist(),
                "average_precision": ap,
            }
        )
    return Metrics(
        count=int(count),
        accuracy=float(correct.mean()) if count else 0.0,
        top3_accuracy=top3,
        loss=float(losses.mean()) if count else 0.0,
        per_class=per_class,
        macro=macro,
        weighted=weighted,
        confusion=confusion.tolist(),
        confusion_normalized=normalized.tolist(),
        calibration_error=float(error),
        reliability=reliability,
        pr_curves=curves,
        predicted=predicted.astype(np.int64),
        confidence=confidence,
        losses=losses,
        hardest=[int(i) for i in np.argsort(-losses, kind="mergesort")],
        suspects=suspect_labels(labels, probabilities),
    )
