"""Evaluate a model on labelled images, streamed in batches, with the figures of `metrics`.

`evaluate(model, batches, labels, class_names)` runs the model on one batch at a time (never more
than a batch of activations in memory) and keeps per image only its probabilities, from which
come the predictions (item, true, predicted, confidence, loss) and every figure.

`evaluate_run(run)` evaluates a run's model on the exact validation split it trained with (the
run's config: data set, validation fraction, seed), or on another data set or image folder, and
caches the result in the run folder, keyed by the model file's sha256 and the data's identity
(name, split, size and a sha256 of its pixels and labels; for a streamed image folder, a sha256
of its files' paths, labels, sizes and modification times): when either changes it is
recomputed.
The cache file is written atomically and read as untrusted input: anything unexpected in it
means "not cached", never an error.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.engine.insight.metrics import Metrics, MetricsAccumulator
from cnnstudio.engine.store.atomic_files import atomic_write_text
from cnnstudio.i18n import _

CACHE_FILE = "evaluation.json"
CACHE_MARKER = "cnnstudio-evaluation"
CACHE_VERSION = 1
# A cache file larger than this is not ours (60,000 images x 10 classes is about 30 MB).
_CACHE_LIMIT_BYTES = 512 << 20


@dataclass
class EvaluationResult:
    class_names: list[str]
    metrics: Metrics
    labels: np.ndarray  # (N,) int64
    items: list[str | int]  # per image: its file path, or its index in the split
    data: dict[str, Any] = field(default_factory=dict)  # what was evaluated (identity)
    seconds: float = 0.0

    def predictions(self) -> list[dict[str, Any]]:
        m = self.metrics
        return [
            {
                "item": self.items[i],
                "true": int(self.labels[i]),
                "predicted": int(m.predicted[i]),
                "confidence": float(m.confidence[i]),
                "loss": float(m.losses[i]),
            }
            for i in range(m.count)
        ]

    def to_json(self) -> dict[str, Any]:
        """Every figure plus the per-image predictions, as JSON-ready values."""
        return {
            "class_names": list(self.class_names),
            "data": self.data,
            "seconds": self.seconds,
            **self.metrics.to_dict(),
            "predictions": self.predictions(),
        }


def _probabilities(outputs: Any) -> np.ndarray:
    """Model outputs -> probabilities; a model ending in logits is softmaxed (as inference does)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if np.any(outputs < 0) or not np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-3):
        shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
        outputs = shifted / shifted.sum(axis=-1, keepdims=True)
    return outputs


def evaluate(
    model: Any,
    batches: Iterable[Any],
    labels: Sequence[int] | np.ndarray | None,
    class_names: Sequence[str],
    *,
    items: Sequence[str | int] | None = None,
    data: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvaluationResult:
    """Run `model` over `batches` (arrays (n, H, W, C), or (images, labels) pairs as a
    `make_pipeline` data set yields, in which case `labels` may be None, or (images, labels,
    items) triples, where each batch names its images: a streamed folder knows which files it
    could read only as it reads them) and compute the figures.
    `progress(images_done)` is called after each batch."""
    started = time.perf_counter()
    accumulator = MetricsAccumulator(len(class_names))
    given = None if labels is None else np.asarray(labels, np.int64)
    streamed_items: list[str | int] = []
    done = 0
    for batch in batches:
        batch_labels = None
        if isinstance(batch, (tuple, list)):
            if len(batch) > 2:
                streamed_items.extend(batch[2])
            batch, batch_labels = batch[0], batch[1]
        outputs = model(batch, training=False)
        probabilities = _probabilities(outputs)
        count = len(probabilities)
        if given is not None:
            batch_labels = given[done : done + count]
        if batch_labels is None or len(batch_labels) != count:
            raise ValueError(
                _("fewer labels than images (after {value} images)").format(value=done + count)
            )
        accumulator.update(np.asarray(batch_labels), probabilities)
        done += count
        if progress is not None:
            progress(done)
    if given is not None and done != len(given):
        raise ValueError(_("{len} labels for {done} images").format(len=len(given), done=done))
    if items is None and streamed_items:
        items = streamed_items
    if items is not None and len(items) != done:
        raise ValueError(_("{len} items for {done} images").format(len=len(items), done=done))
    metrics = accumulator.compute()
    return EvaluationResult(
        class_names=list(class_names),
        metrics=metrics,
        labels=accumulator.labels,
        items=list(items) if items is not None else list(range(done)),
        data=dict(data or {}),
        seconds=time.perf_counter() - started,
    )


# -- identity and cache --------------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def arrays_sha256(images: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(repr((images.shape, str(images.dtype))).encode())
    digest.update(np.ascontiguousarray(images).data)
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).data)
    return digest.hexdigest()


def cache_key(model_sha256: str, data: dict[str, Any]) -> str:
    text = json.dumps({"model": model_sha256, "data": data}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_cache(folder: Path, key: str, result: EvaluationResult | dict[str, Any]) -> Path:
    """`result` (or its `to_json()`, when the caller made it already) into the run folder.
    Compact JSON: the file is for the program, and the indented form takes Python's slow
    encoder (0.1 s for 1,000 images' predictions and curves, against 0.01 s)."""
    path = Path(folder) / CACHE_FILE
    figures = result.to_json() if isinstance(result, EvaluationResult) else result
    payload = {"marker": CACHE_MARKER, "version": CACHE_VERSION, "key": key, "result": figures}
    atomic_write_text(path, json.dumps(payload, allow_nan=True) + "\n")
    return path


def read_cache(folder: Path, key: str) -> dict[str, Any] | None:
    """The cached evaluation (as `to_json` wrote it) if the file is ours, whole and for `key`;
    None otherwise (missing, damaged, foreign, stale)."""
    path = Path(folder) / CACHE_FILE
    try:
        if path.stat().st_size > _CACHE_LIMIT_BYTES:
            return None
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or payload.get("marker") != CACHE_MARKER:
        return None
    if payload.get("version") != CACHE_VERSION or payload.get("key") != key:
        return None
    result = payload.get("result")
    return result if _looks_like_result(result) else None


def _looks_like_result(result: Any) -> bool:
    if not isinstance(result, dict):
        return False
    names = result.get("class_names")
    count = result.get("count")
    predictions = result.get("predictions")
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        return False
    if not (isinstance(count, int) and isinstance(predictions, list) and len(predictions) == count):
        return False
    confusion = result.get("confusion")
    if not (isinstance(confusion, list) and len(confusion) == len(names)):
        return False
    if not all(isinstance(row, list) and len(row) == len(names) for row in confusion):
        return False
    numbers = ("accuracy", "loss", "calibration_error")
    return all(isinstance(result.get(key), (int, float)) for key in numbers)
