"""What the views of an evaluation show, chosen from its JSON figures (`EvaluationResult.to_json`,
fresh or read back from the cache): the predictions as checked rows, the images of one confusion
cell (most confident first), the hardest examples, the suspect labels, the confusion matrix
row-normalised.

Pure Python over plain values, so every choice a view makes is tested without Qt. The figures may
come from a cache file, which is untrusted: `read_predictions` checks every row and raises
`FiguresError` with the reason instead of letting a bad value reach a widget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnnstudio.i18n import _

# A gallery of the hardest examples or suspect labels shows this many: the top of the list is
# where the lessons are, and a grid of 10,000 thumbnails teaches nothing more.
GALLERY_LIMIT = 200


class FiguresError(ValueError):
    """Evaluation figures that cannot be shown (a damaged or foreign cache file)."""


@dataclass(frozen=True)
class Prediction:
    """One evaluated image: its row in the predictions, and what the model made of it."""

    row: int
    item: int | str  # its index in the evaluated split, or its file path
    true: int
    predicted: int
    confidence: float  # the probability of the predicted class
    loss: float  # cross-entropy of the true class


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FiguresError(_("not a number: {value!r}").format(value=value))
    return float(value)


def _index(value: Any, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise FiguresError(_("not a class index: {value!r}").format(value=value))
    return value


def read_predictions(figures: dict[str, Any]) -> list[Prediction]:
    """The figures' per-image predictions, every value checked (FiguresError otherwise)."""
    names = figures.get("class_names")
    rows = figures.get("predictions")
    if not isinstance(names, list) or not isinstance(rows, list):
        raise FiguresError(_("the figures have no class names or no predictions"))
    classes = len(names)
    found = []
    for row, entry in enumerate(rows):
        if not isinstance(entry, dict):
            raise FiguresError(_("prediction {row} is not a record").format(row=row))
        item = entry.get("item")
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise FiguresError(_("prediction {row} names no image").format(row=row))
        found.append(
            Prediction(
                row=row,
                item=item,
                true=_index(entry.get("true"), classes),
                predicted=_index(entry.get("predicted"), classes),
                confidence=_number(entry.get("confidence")),
                loss=_number(entry.get("loss")),
            )
        )
    return found


def by_confidence(predictions: Sequence[Prediction], rows: Sequence[int]) -> list[int]:
    """`rows`, the model's most confident prediction first (ties: in row order)."""
    return sorted(rows, key=lambda row: (-predictions[row].confidence, row))


def cell_rows(predictions: Sequence[Prediction], true: int, predicted: int) -> list[int]:
    """The rows of one confusion cell (true class, predicted class), most confident first."""
    members = [p.row for p in predictions if p.true == true and p.predicted == predicted]
    return by_confidence(predictions, members)


def _rows_of(values: Any, count: int, limit: int) -> list[int]:
    """Valid, distinct row indexes of a list from the figures, in its order, at most `limit`."""
    rows: list[int] = []
    seen: set[int] = set()
    for value in values if isinstance(values, list) else []:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            continue  # a foreign entry of a cache file: passed over, never shown
        if value not in seen:
            seen.add(value)
            rows.append(value)
            if len(rows) == limit:
                break
    return rows


def hardest_rows(figures: dict[str, Any], count: int, limit: int = GALLERY_LIMIT) -> list[int]:
    """The hardest examples (highest loss first), as the figures list them."""
    return _rows_of(figures.get("hardest"), count, limit)


def suspect_rows(figures: dict[str, Any], count: int, limit: int = GALLERY_LIMIT) -> list[int]:
    """The suspect labels (confident learning), the most confident suggestion first."""
    suspects = figures.get("suspects")
    rows = (
        [entry.get("row") for entry in suspects if isinstance(entry, dict)]
        if isinstance(suspects, list)
        else []
    )
    return _rows_of(rows, count, limit)


def suggestions(figures: dict[str, Any]) -> dict[int, int]:
    """Row -> the class confident learning suggests for it (the suspects only)."""
    found: dict[int, int] = {}
    for entry in figures.get("suspects") or []:
        if isinstance(entry, dict):
            row, suggested = entry.get("row"), entry.get("suggested")
            if isinstance(row, int) and isinstance(suggested, int):
                found.setdefault(row, suggested)
    return found


def confusion_counts(figures: dict[str, Any]) -> list[list[int]]:
    """The confusion matrix (rows: true class, columns: predicted), checked square and whole."""
    names = figures.get("class_names")
    matrix = figures.get("confusion")
    size = len(names) if isinstance(names, list) else -1
    if not isinstance(matrix, list) or len(matrix) != size:
        raise FiguresError(_("the confusion matrix does not match the classes"))
    counts = []
    for row in matrix:
        if not isinstance(row, list) or len(row) != size:
            raise FiguresError(_("the confusion matrix does not match the classes"))
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in row):
            raise FiguresError(_("the confusion matrix holds a value that is not a count"))
        counts.append(list(row))
    return counts


def read_shape(figures: dict[str, Any]) -> tuple[int, int, int] | None:
    """(height, width, channels) the model read a folder's files at (the figures' data.read_as),
    so a thumbnail shows what the model saw; None when absent or not a shape."""
    data = figures.get("data")
    shape = data.get("read_as") if isinstance(data, dict) else None
    if not isinstance(shape, list) or len(shape) != 3:
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 4096 for n in shape):
        return None
    if shape[2] not in (1, 3):
        return None
    return shape[0], shape[1], shape[2]


def row_normalised(confusion: Sequence[Sequence[int]]) -> list[list[float]]:
    """Each row divided by its total (the share of a true class predicted as each class);
    a class without images is a row of zeros."""
    shares = []
    for row in confusion:
        total = sum(row)
        shares.append([n / total if total else 0.0 for n in row])
    return shares


__all__ = [
    "GALLERY_LIMIT",
    "FiguresError",
    "Prediction",
    "by_confidence",
    "cell_rows",
    "confusion_counts",
    "hardest_rows",
    "read_predictions",
    "read_shape",
    "row_normalised",
    "suggestions",
    "suspect_rows",
]
