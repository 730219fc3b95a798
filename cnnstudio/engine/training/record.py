"""The run record a training session keeps: run.json's fields and history.jsonl's entries.

`Progress` holds the counters and the history entries not yet written; the functions here write
run.json when a run starts, is resumed, has its model built, and ends. The run folder itself
(atomic writes, the layout, finding runs) is `cnnstudio.engine.store.runs`.
"""

from __future__ import annotations

import math
import os
import platform
from typing import TYPE_CHECKING, Any

from cnnstudio import __version__
from cnnstudio.engine.store.runs import INTERRUPTED, Run, now_iso, process_identity
from cnnstudio.engine.training.config import TrainingConfig

if TYPE_CHECKING:
    import keras

    from cnnstudio.engine.data.data_types import Dataset
    from cnnstudio.engine.training.recipe import Pipelines
    from cnnstudio.models import ModelInfo


class Progress:
    """Counters and history waiting to be written; lives on the training thread only."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.epochs_completed = 0
        self.best: dict[str, Any] = {}
        self.last: dict[str, float] = {}
        self.step = 0  # batches trained in the whole run
        # The epoch-level history entries so far: kept in each checkpoint, so a damaged
        # history.jsonl can be mended on resume.
        self.epoch_entries: list[dict[str, Any]] = []

    def take_pending(self) -> list[dict[str, Any]]:
        entries, self.pending = self.pending, []
        return entries


def software_versions() -> dict[str, str]:
    import keras
    import numpy
    import tensorflow as tf

    return {
        "cnnstudio": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }


def initial_record(config: TrainingConfig) -> dict[str, Any]:
    """run.json of a new run, before training starts."""
    return {
        "status": "running",
        "reason": None,
        "name": None,
        "tags": [],
        "config": config.to_dict(),
        "started": now_iso(),
        "finished": None,
        "elapsed_seconds": 0.0,
        "versions": software_versions(),
        "host": platform.node(),
        "pid": os.getpid(),
        # pid + host + start time: tells a live trainer from a crashed one (runs.py).
        "process": process_identity(),
        "device": None,
        "epochs_completed": 0,
        "best": {},
        "last": {},
        "checkpoint": None,
        "resumes": [],
        "files": {
            "history": "history.jsonl",
            "model": "model.keras",
            "checkpoints": "checkpoints/",
            "log": "log.txt",
        },
    }


def reopen_run(run: Run, config: TrainingConfig, progress: Progress) -> float:
    """Mark a resumed run as running again, by this process; counters come from run.json
    until the checkpoint (in `resume.restore_checkpoint`) says exactly where training
    continues. Returns the training time of the run's earlier sessions."""
    record = run.reload()
    progress.epochs_completed = int(record.get("epochs_completed", 0) or 0)
    progress.best = dict(record.get("best") or {})
    progress.last = dict(record.get("last") or {})
    elapsed_offset = float(record.get("elapsed_seconds", 0.0) or 0.0)
    previous = record.get("status")
    if previous == "running":
        previous = INTERRUPTED
    resumes = list(record.get("resumes") or [])
    resumes.append(
        {"at": now_iso(), "previous_status": previous, "previous_reason": record.get("reason")}
    )
    run.update_record(
        status="running",
        reason=None,
        finished=None,
        config=config.to_dict(),
        host=platform.node(),
        pid=os.getpid(),
        process=process_identity(),
        versions=software_versions(),
        resumes=resumes,
    )
    run.log(f"resuming ({previous} after {progress.epochs_completed} epochs)")
    return elapsed_offset


def network_params(model: keras.Model) -> int:
    """The weights of the network itself: the input standardisation in front of it holds the
    training images' per-channel mean and variance (and a count), which are statistics of the
    data, not parameters, and which the model picker and the layer graph do not count. One
    number everywhere: LeNet-5 on MNIST has 61,706, not 61,709."""
    from cnnstudio.engine.training.recipe import STANDARDIZATION_LAYER

    total = model.count_params()
    try:
        return total - model.get_layer(STANDARDIZATION_LAYER).count_params()
    except ValueError:  # no standardisation (turned off, or a model built elsewhere)
        return total


def trainable_params(model: keras.Model) -> int:
    return int(sum(math.prod(w.shape) for w in model.trainable_weights))


def record_model_and_data(
    run: Run,
    model_info: ModelInfo,
    model: keras.Model,
    dataset: Dataset,
    input_shape: tuple[int, int, int],
    *,
    pipelines: Pipelines,
    steps_per_execution: int,
) -> None:
    """What was built and what it trains on, once both are known.

    `train_size` is the training split (each epoch draws its batches from all of it, shuffled);
    `validation_size` is what every validation measures: with `limit_batches` only the split's
    first batches (`validation_split_size` keeps the whole split's size).
    """
    data_info = dataset.info
    run.update_record(
        model={
            "name": model_info.name,
            "display_name": model_info.display_name,
            "input_shape": list(input_shape),
            "num_classes": data_info.num_classes,
            "params": network_params(model),
            "trainable_params": trainable_params(model),
        },
        dataset={
            "name": data_info.name,
            "train_size": len(dataset.train.labels),
            "train_images_per_epoch": pipelines.train_images,
            "validation_size": pipelines.validation_images,
            "validation_split_size": len(dataset.validation.labels),
            "class_names": list(data_info.class_names),
            # What `predict` and exports fit new images from, as training did.
            "image_shape": list(data_info.image_shape),
        },
        steps_per_epoch=pipelines.steps_per_epoch,
        steps_per_execution=steps_per_execution,
    )


def close_record(
    run: Run,
    progress: Progress,
    model: keras.Model | None,
    *,
    status: str,
    reason: str | None,
    elapsed: float,
    early_stopped: bool,
    model_weights: dict[str, Any] | None = None,
) -> tuple[str, str | None]:
    """Write the last history, the model (when given) and the final run.json fields;
    `model_weights` says which epoch's weights the model holds (`resume.settle_saved_weights`).

    Returns the status and reason written: a model that cannot be saved fails the run.
    """
    saved = None
    try:
        run.append_history(progress.take_pending())
        if model is not None:
            run.save_model(model)
            saved = model_weights
    except Exception as error:  # a failed save must show, not hide the status
        status, reason = "failed", f"could not save the model: {error}"
    run.update_record(
        model_weights=saved,
        status=status,
        reason=reason,
        finished=now_iso(),
        elapsed_seconds=round(elapsed, 3),
        epochs_completed=progress.epochs_completed,
        best=progress.best,
        last=progress.last,
        early_stopped=early_stopped,
    )
    return status, reason
