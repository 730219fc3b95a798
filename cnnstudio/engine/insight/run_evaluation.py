"""Evaluate a run: its model on the validation split it trained with, or on other data, cached.

The run's own split is rebuilt from its config exactly as training built it (data set, validation
fraction, seed). `data` may name a registered data set (its validation split) or an image folder
(every readable image in it, read at the size the model was trained on), so a person can keep a
test folder apart. The model comes through `Predictor.from_run` (the same loading as `predict`).

`evaluation_split` is the one place that rebuilds the evaluated data: `evaluate_run` uses it, and
hands the split back with its figures, so a view can show the images behind each prediction (a
prediction's `item` indexes these arrays).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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

DEFAULT_BATCH_SIZE = 256


class EvaluationDataError(ValueError):
    """The data asked for cannot be evaluated by this model (code: a stable reason)."""

    def __init__(self, code: str, message: str, **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass
class EvaluationSplit:
    """The data an evaluation runs on, as the model sees it before fitting to its input."""

    images: np.ndarray  # (N, H, W, C) uint8
    labels: np.ndarray  # (N,) int64
    class_names: list[str]
    identity: dict[str, Any]  # what the cache key names: data set, split, count, sha256


@dataclass
class RunEvaluation:
    figures: dict[str, Any]  # EvaluationResult.to_json(), fresh or from the cache
    cached: bool
    result: EvaluationResult | None  # None when read from the cache
    cache_file: Path | None
    # The evaluated data, cached or not (its identity is part of the cache key, so it is always
    # loaded): the images behind the predictions.
    split: EvaluationSplit | None = None


def evaluation_split(run: Run, data: str | None, image_size: tuple[int, int]) -> EvaluationSplit:
    """The data `evaluate_run(run, data=data)` evaluates: the run's own validation split (None),
    a registered data set's validation split (its name), or every image of a folder (its path,
    or "folder:PATH"), read at `image_size` = (height, width), the size the model trained on."""
    from cnnstudio.engine.data.datasets import load_dataset

    config = run.record.get("config") or {}
    fraction = config.get("validation_fraction", 0.2)
    seed = config.get("seed", 0)
    if data is None:
        name = str(config.get("dataset", ""))
        dataset = load_dataset(name, validation_fraction=fraction, seed=seed)
        split = dataset.validation
        identity = {"dataset": name, "split": "validation", "fraction": fraction, "seed": seed}
        images, labels = split.images, split.labels
    elif Path(data).expanduser().is_dir() or data.startswith("folder:"):
        # Every image of a folder given for evaluation is evaluated: no split to hold back.
        dataset = load_dataset(data, validation_fraction=0.0, seed=seed, image_size=image_size)
        images = np.concatenate([dataset.train.images, dataset.validation.images])
        labels = np.concatenate([dataset.train.labels, dataset.validation.labels])
        identity = {"dataset": str(Path(data.removeprefix("folder:")).resolve()), "split": "all"}
    else:
        dataset = load_dataset(data)
        images, labels = dataset.validation.images, dataset.validation.labels
        identity = {"dataset": data, "split": "validation"}
    if len(labels) == 0:
        raise EvaluationDataError(
            "no_images",
            _("{data}: no images to evaluate").format(data=identity["dataset"]),
            data=identity["dataset"],
        )
    identity["count"] = len(labels)
    identity["sha256"] = arrays_sha256(images, labels)
    return EvaluationSplit(images, labels, list(dataset.info.class_names), identity)


def evaluate_run(
    run: Run,
    *,
    data: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunEvaluation:
    """Evaluate `run`'s model on `data` (see `evaluation_split`), or read the cached figures.
    `progress(images_done, images_total)` is called once the data is loaded (0 done), after each
    batch, and once with all done for a cached result."""
    from cnnstudio.engine.data.data_types import Split
    from cnnstudio.engine.data.pipeline import make_pipeline
    from cnnstudio.engine.use.export import model_source
    from cnnstudio.engine.use.inference import Predictor

    predictor = Predictor.from_run(run)
    model_hash = file_sha256(model_source(run))
    split = evaluation_split(run, data, predictor.source_shape[:2])
    images, labels, class_names, identity = (
        split.images,
        split.labels,
        split.class_names,
        split.identity,
    )
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
    total = len(labels)
    key = cache_key(model_hash, identity)
    if use_cache:
        cached = read_cache(run.path, key)
        if cached is not None:
            if progress is not None:
                progress(total, total)
            return RunEvaluation(cached, True, None, run.path / "evaluation.json", split)
    if progress is not None:
        progress(0, total)
    # cache=False: fit each batch as it is drawn, so memory stays flat for large sets.
    batches = make_pipeline(
        Split(images, labels),
        input_shape=predictor.input_shape,
        batch_size=batch_size,
        training=False,
        cache=False,
    )
    result = evaluate(
        predictor.model,
        (images_batch for images_batch, _ in batches.as_numpy_iterator()),
        labels,
        class_names,
        data={**identity, "model_sha256": model_hash},
        progress=None if progress is None else (lambda done: progress(done, total)),
    )
    figures = result.to_json()
    try:
        cache_file: Path | None = write_cache(run.path, key, result)
    except OSError:
        cache_file = None  # a read-only run folder: the evaluation stands, uncached
    return RunEvaluation(figures, False, result, cache_file, split)
