"""Evaluate a run: its model on the validation split it trained with, or on other data, cached.

The run's own split is rebuilt from its config exactly as training built it (data set, validation
fraction, seed); a run trained on an image folder names each validation image by its path.
`data` may name a registered data set (its validation split) or an image folder, so a person can
keep a test folder apart. A folder is scanned (headers only) and then streamed: each batch of
files is decoded (in threads, the next batch while the model runs on this one) by the reader
`predict` uses, at the size and channels the model was trained on, and fitted to the model's
input by the training pipeline's plan, so memory stays flat whatever the folder's size. Each
image is named by its path; a file that cannot be decoded is skipped, counted in the figures'
`data.skipped` and listed in `RunEvaluation.skipped`. The model comes through
`Predictor.from_run` (the same loading as `predict`) unless the caller holds one already.

`evaluation_split` is the one place that rebuilds a data set's evaluated split; `evaluate_run`
hands it back with the figures (`RunEvaluation.split`), so a view shows the very images behind
each prediction: a prediction's int `item` indexes it. A folder's items are paths instead.
`progress(done, total)` counts the images read (or skipped), with the total known from the start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.engine.errors import CodedError
from cnnstudio.engine.insight.evaluation import (
    EvaluationResult,
    arrays_sha256,
    cache_key,
    evaluate,
    file_sha256,
    read_cache,
    write_cache,
)
from cnnstudio.engine.store.runs import Run
from cnnstudio.i18n import _
from cnnstudio.locations import expand_user_path

DEFAULT_BATCH_SIZE = 256


class EvaluationDataError(CodedError):
    """The data asked for cannot be evaluated by this model (code: a stable reason)."""


@dataclass
class RunEvaluation:
    figures: dict[str, Any]  # EvaluationResult.to_json(), fresh or from the cache
    cached: bool
    result: EvaluationResult | None  # None when read from the cache
    cache_file: Path | None
    # Files of an image folder left out, with the reason: all of them when fresh; from the cache,
    # those the scan refused (the figures' data.skipped counts the decoding failures too).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # The split evaluated, cached or not (its identity is part of the cache key, so it is always
    # loaded); None for an image folder, which is streamed and named by paths.
    split: EvaluationSplit | None = None


@dataclass
class EvaluationSplit:
    """A data set's split as evaluated, in memory, before it is fitted to the model's input."""

    images: np.ndarray  # (N, H, W, C) uint8
    labels: np.ndarray  # (N,) int64
    paths: list[str] | None  # each image's file, for a run trained on an image folder
    class_names: list[str]
    identity: dict[str, Any]  # what the cache key names: data set, split, count, sha256


def _is_folder(data: str) -> bool:
    from cnnstudio.engine.data.datasets import FOLDER_PREFIX

    return data.startswith(FOLDER_PREFIX) or Path(data).expanduser().is_dir()


def evaluation_split(run: Run, data: str | None) -> EvaluationSplit:
    """The split `evaluate_run(run, data=data)` evaluates for a data set: the run's own
    validation split (None), or a registered data set's (its name). An image folder given as
    `data` is streamed instead (see the module docstring)."""
    from cnnstudio.engine.data.datasets import load_dataset

    config = run.record.get("config") or {}
    fraction = config.get("validation_fraction", 0.2)
    seed = config.get("seed", 0)
    if data is None:
        name = str(config.get("dataset", ""))
        # An image folder loads as training loaded it: same fraction, seed and default size.
        dataset = load_dataset(name, validation_fraction=fraction, seed=seed)
        identity = {"dataset": name, "split": "validation", "fraction": fraction, "seed": seed}
    else:
        dataset = load_dataset(data)
        identity = {"dataset": data, "split": "validation"}
    split = dataset.validation
    if len(split.labels) == 0:
        raise _no_images(identity["dataset"])
    identity["count"] = len(split.labels)
    identity["sha256"] = arrays_sha256(split.images, split.labels)
    if split.paths is not None:
        identity["paths"] = True  # items are paths now: an older cache (indices) is stale
    return EvaluationSplit(
        split.images, split.labels, split.paths, list(dataset.info.class_names), identity
    )


def _no_images(data: str) -> EvaluationDataError:
    return EvaluationDataError(
        "no_images", _("{data}: no images to evaluate").format(data=data), data=data
    )


def evaluate_run(
    run: Run,
    *,
    data: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
    predictor: Any = None,
) -> RunEvaluation:
    """Evaluate `run`'s model on its own validation split, or on `data` (a data set name or an
    image folder). `predictor`: the run's model already loaded (`Predictor.from_run`), to spare
    loading it again."""
    from cnnstudio.engine.data.datasets import scan_image_folder
    from cnnstudio.engine.use.export import model_source
    from cnnstudio.engine.use.inference import Predictor

    predictor = predictor or Predictor.from_run(run)
    model_hash = file_sha256(model_source(run))
    scan = memory = None
    if data is not None and _is_folder(data):
        # Absolute: each image's path is what a person opens later, from wherever they are.
        scan = scan_image_folder(expand_user_path(data.removeprefix("folder:")).absolute())
        class_names = list(scan.class_names)
        labels = np.array([image.label for image in scan.images], np.int64)
        identity = {
            "dataset": str(scan.root.resolve()),
            "split": "all",  # every image of a folder given for evaluation: none held back
            "files": len(scan.images),
            "files_sha256": scan.fingerprint(),
            "read_as": list(predictor.source_shape),
        }
    else:
        memory = evaluation_split(run, data)
        class_names, identity, labels = memory.class_names, memory.identity, memory.labels
    classes = int(predictor.model.output_shape[-1])
    if len(class_names) != classes:
        raise EvaluationDataError(
            "class_count_mismatch",
            _("the model predicts {model_classes} classes; {data} has {data_classes}").format(
                model_classes=classes, data=identity["dataset"], data_classes=len(class_names)
            ),
            model_classes=classes,
            data_classes=len(class_names),
        )
    if labels.max() >= classes:
        raise EvaluationDataError(
            "label_out_of_range", _("a label lies beyond the model's classes")
        )
    key = cache_key(model_hash, identity)
    skipped = list(scan.skipped) if scan is not None else []
    total = len(labels)
    if use_cache:
        cached = read_cache(run.path, key)
        if cached is not None:
            if progress is not None:
                progress(total, total)
            return RunEvaluation(cached, True, None, run.path / "evaluation.json", skipped, memory)
    if progress is not None:
        progress(0, total)
    refused = len(skipped)  # by the scan; the files the batches skip count as read

    def images_read(done: int) -> None:
        if progress is not None:
            progress(done + len(skipped) - refused, total)

    if scan is not None:
        model: Any = _PixelsModel(predictor)
        batches: Any = _folder_batches(predictor, scan.images, batch_size, skipped)
        known_labels, items = None, None
    else:
        model = _TracedModel(predictor)
        batches = _memory_batches(memory, predictor, batch_size)
        known_labels, items = labels, memory.paths
    result = evaluate(
        model,
        batches,
        known_labels,
        class_names,
        items=items,
        data={**identity, "model_sha256": model_hash},
        progress=images_read,
    )
    if scan is not None:
        if result.metrics.count == 0:
            raise _no_images(identity["dataset"])
        result.data["count"] = result.metrics.count
        result.data["skipped"] = len(skipped)
    figures = result.to_json()
    try:
        cache_file: Path | None = write_cache(run.path, key, figures)
    except OSError:
        cache_file = None  # a read-only run folder: the evaluation stands, uncached
    return RunEvaluation(figures, False, result, cache_file, skipped, memory)


class _TracedModel:
    """`evaluate`'s model: the predictor's traced forward pass, traced once for any batch size."""

    def __init__(self, predictor: Any) -> None:
        self.predictor = predictor

    def __call__(self, batch: Any, training: bool = False) -> np.ndarray:
        return self.predictor.outputs(batch)


class _PixelsModel(_TracedModel):
    """`evaluate`'s model for a streamed folder: batches of uint8 pixels as read, fitted and run
    in one go (at 224x224, a float copy of a batch of 256 is 154 MB that NumPy never holds)."""

    def __call__(self, batch: Any, training: bool = False) -> np.ndarray:
        return self.predictor.outputs_of_pixels(batch)


def _memory_batches(
    memory: EvaluationSplit, predictor: Any, batch_size: int
) -> Iterator[np.ndarray]:
    from cnnstudio.engine.data.data_types import Split
    from cnnstudio.engine.data.pipeline import make_pipeline

    # cache=False: fit each batch as it is drawn, so memory stays flat for large sets.
    batches = make_pipeline(
        Split(memory.images, memory.labels),
        input_shape=predictor.input_shape,
        batch_size=batch_size,
        training=False,
        cache=False,
    )
    return (images for images, _labels in batches.as_numpy_iterator())


# Decoding threads: Pillow lets go of the GIL while it decodes, so they overlap each other and the
# model; more than the cores would only hold more decoded batches in memory.
_READERS = max(1, min(4, os.cpu_count() or 1))


def _folder_batches(
    predictor: Any, entries: Sequence[Any], batch_size: int, skipped: list[tuple[str, str]]
) -> Iterator[tuple[np.ndarray, np.ndarray, list[str]]]:
    """(uint8 pixels at the predictor's source shape, labels, paths) of `entries` (a scan's
    FolderImage), `batch_size` files at a time; the next batch is decoded while the caller
    runs the model on this one, so at most two batches of pixels are held. Undecodable files
    go to `skipped` with the reason."""
    from cnnstudio.engine.data.images import reason_of

    def read(entry: Any) -> np.ndarray | str:
        try:
            return predictor.read_pixels(entry.path)
        except Exception as error:  # Pillow raises many types; each file is untrusted
            return reason_of(entry.path, error)

    def submit(pool: ThreadPoolExecutor, start: int) -> list[Future]:
        return [pool.submit(read, entry) for entry in entries[start : start + batch_size]]

    pool = ThreadPoolExecutor(_READERS, thread_name_prefix="cnnstudio-evaluate")
    try:
        upcoming = submit(pool, 0)
        for start in range(0, len(entries), batch_size):
            current, upcoming = upcoming, submit(pool, start + batch_size)
            pixels, labels, paths = [], [], []
            for entry, future in zip(entries[start : start + batch_size], current, strict=True):
                outcome = future.result()
                if isinstance(outcome, str):
                    skipped.append((str(entry.path), outcome))
                    continue
                pixels.append(outcome)
                labels.append(entry.label)
                paths.append(str(entry.path))
            if pixels:
                yield np.stack(pixels), np.asarray(labels, np.int64), paths
    finally:
        # A caller that stops early (an error, a cancelled evaluation) does not wait for the
        # batch read ahead: files not yet started are dropped.
        pool.shutdown(wait=True, cancel_futures=True)
