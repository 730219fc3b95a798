"""Resuming a run: what a checkpoint holds besides the model, and putting it all back.

After every epoch (and after early stopping and the plateau schedule have seen it) the
`Checkpointer` callback writes a checkpoint with the optimizer state (`checkpoints.py`) and
`checkpoint_state`'s JSON. `TrainingSession.resume_run(run)` makes a session that continues a
stopped, failed or interrupted run in its own folder from the newest good checkpoint: the same
model and compile settings are rebuilt, then weights and optimizer state (iteration counter, hence
the schedule's position) are loaded, the callbacks get their state back, history.jsonl is cut back
to the checkpoint, and `fit(initial_epoch=E)` numbers the epochs on from E + 1. The shuffling seed
of a resumed segment is `seed + E`: the data order is seeded and repeatable, but not the order the
uninterrupted run would have drawn (replaying E epochs of shuffling would cost E epochs of input
work on large data sets). The augmentation's random stream, on the other hand, continues exactly:
its generator state is one of the trained model's variables, saved in every checkpoint.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnstudio.engine.store.checkpoints import (
    Checkpoint,
    CheckpointError,
    CheckpointStore,
    restore,
)
from cnnstudio.engine.store.runs import INTERRUPTED, LOGS_DIR, RESUMABLE_STATUSES, Run, atomic_write
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.engine.training import schedules
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.record import Progress
from cnnstudio.i18n import _
from cnnstudio.locations import expand_user_path

if TYPE_CHECKING:
    import keras


@dataclass
class Restored:
    """Where a resumed run continues: after `epoch`, with the training time and callback state
    of its earlier sessions."""

    epoch: int
    elapsed_offset: float
    callback_state: dict[str, Any] = field(default_factory=dict)


def resume_config(handle: Run, epochs: int | None, *, force: bool = False) -> TrainingConfig:
    """The config that continues `handle`, with `epochs` as the new total when given.

    Raises ValueError, before anything is written, for a run that is still training (unless
    `force`: its trainer is taken for gone, and the caller has warned), that has nothing left
    to do, or whose record this version cannot read (damaged or newer: RunSchemaError).
    """
    record = handle.reload()
    status = handle.effective_status
    if status == "running":
        if not force:
            raise ValueError(
                _(
                    "run {id!r} is still training ({value}); stop it before resuming, or "
                    "pass --force if that process is gone"
                ).format(id=handle.id, value=handle.trainer_description())
            )
        status = INTERRUPTED
    config_data = record.get("config")
    if not isinstance(config_data, dict):
        raise ValueError(_("run {id!r} has no training config to resume from").format(id=handle.id))
    config = TrainingConfig.from_dict(config_data)
    _check_image_folder(handle, config.dataset)
    done = int(record.get("epochs_completed", 0) or 0)
    if epochs is not None:
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(
                _("epochs must be a positive integer; received {epochs!r}").format(epochs=epochs)
            )
        if epochs <= done:
            raise ValueError(
                _(
                    "run {id!r} has already completed {done} epochs; ask for more than "
                    "{done} to train further"
                ).format(id=handle.id, done=done)
            )
        if epochs != config.epochs:
            segments = schedules.recorded_segments(record)
            schedules.check_extension(config.schedule, segments, done, handle.id)
        return config.replace(epochs=epochs)
    if status not in RESUMABLE_STATUSES or done >= config.epochs:
        if record.get("early_stopped"):
            text = _(
                "run {id!r} is {status} after {done} of {epochs} epochs (early stopping ended "
                "it); nothing to resume (give a larger number of epochs to train further)"
            )
        else:
            text = _(
                "run {id!r} is {status} after {done} of {epochs} epochs (all epochs done); "
                "nothing to resume (give a larger number of epochs to train further)"
            )
        raise ValueError(
            text.format(id=handle.id, status=status_name(status), done=done, epochs=config.epochs)
        )
    return config


def _check_image_folder(handle: Run, dataset: str) -> None:
    """An image-folder run must find its folder again: say which folder is gone, rather than
    let the data set lookup call the path an unknown data set."""
    from cnnstudio.engine.data.datasets import FOLDER_PREFIX

    if not dataset.startswith(FOLDER_PREFIX) and "/" not in dataset and os.sep not in dataset:
        return  # a data set's name (or one given in memory): not a folder
    folder = expand_user_path(dataset.removeprefix(FOLDER_PREFIX))
    if folder.is_dir():
        return
    if not folder.is_absolute():
        # Recorded by a version that kept the path as typed.
        raise ValueError(
            _(
                "run {id!r} trained on the image folder {str!r}, recorded relative to "
                "the directory it was started in; resume it from that directory"
            ).format(id=handle.id, str=str(folder))
        )
    raise ValueError(
        _(
            "run {id!r} trained on the image folder {folder}, which no longer "
            "exists (moved or deleted?); put it back there to resume the run"
        ).format(id=handle.id, folder=folder)
    )


def restore_checkpoint(
    run: Run,
    store: CheckpointStore,
    model: keras.Model,
    progress: Progress,
    *,
    early_stopping: bool,
) -> Restored:
    """Load the newest good checkpoint into the compiled `model`; put progress and history back
    where it left off. Without a usable checkpoint, training starts again from epoch 1."""
    leftovers = store.clean_temporaries()
    if leftovers:
        run.log(
            f"WARNING: removed {len(leftovers)} temporary file(s) left by a write that "
            f"did not finish: {', '.join(sorted(leftovers))}"
        )
    checkpoint = _restore_newest_usable(store, model)
    if checkpoint is None:
        run.log("no usable checkpoint: training starts again from epoch 1")
        store.discard_after(0)
        progress.epochs_completed, progress.best, progress.last = 0, {}, {}
        progress.step, progress.epoch_entries = 0, []
        run.rewrite_history([])
        cut_scalar_logs(run, 0)
        return Restored(epoch=0, elapsed_offset=0.0)
    manifest = checkpoint.manifest
    callback_state = dict(manifest.get("callbacks") or {})
    best_weights = None
    if early_stopping:
        best_weights = _early_stopping_weights(run, store, model, checkpoint.epoch, callback_state)
        if best_weights is not None:
            restore(model, checkpoint)  # back from the best epoch's weights to the newest
    store.discard_after(checkpoint.epoch)
    if best_weights is not None:
        callback_state["early_stopping_weights"] = best_weights

    epoch = checkpoint.epoch
    progress.epochs_completed = epoch
    progress.best = dict(manifest.get("best") or {})
    progress.last = dict(manifest.get("last") or {})
    progress.step = int(manifest.get("step", 0) or 0)
    progress.epoch_entries = list(manifest.get("epochs") or [])
    elapsed_offset = float(manifest.get("elapsed_seconds", 0.0) or 0.0)
    run.rewrite_history(history_up_to(run.history(), epoch, progress.epoch_entries))
    cut_scalar_logs(run, epoch)
    run.update_record(
        epochs_completed=epoch,
        best=progress.best,
        last=progress.last,
        elapsed_seconds=round(elapsed_offset, 3),
    )
    run.log(f"resumed from the checkpoint of epoch {epoch} ({checkpoint.data_path.name})")
    return Restored(epoch, elapsed_offset, callback_state)


def cut_scalar_logs(run: Run, epoch: int) -> int:
    """Cut the TensorBoard logs back to `epoch`, as history.jsonl is: the points of epochs the
    resume redoes would otherwise stand beside the redone ones. Each event file that holds such
    points is rewritten atomically without them; returns how many points went.

    Logs are a convenience: a file that cannot be read or written is left as it is, and the
    run's log says so.
    """
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    dropped = 0
    for path in sorted((run.path / LOGS_DIR).rglob("events.out.tfevents.*")):
        try:
            records = [bytes(raw.numpy()) for raw in tf.data.TFRecordDataset(str(path))]
            kept = []
            for raw in records:
                event = event_pb2.Event.FromString(raw)
                if event.HasField("summary") and event.step > epoch:
                    continue
                kept.append(raw)
            if len(kept) == len(records):
                continue

            def write(temp: Path, kept: list[bytes] = kept) -> None:
                with tf.io.TFRecordWriter(str(temp)) as writer:
                    for raw in kept:
                        writer.write(raw)

            atomic_write(path, write, suffix=".tmp")
            dropped += len(records) - len(kept)
        except (OSError, tf.errors.OpError) as error:
            run.log(f"WARNING: TensorBoard log {path.name} not cut back to epoch {epoch}: {error}")
    return dropped


def _restore_newest_usable(store: CheckpointStore, model: keras.Model) -> Checkpoint | None:
    """Restore the newest good checkpoint that fits `model` and return it. One that verifies
    but belongs to another model (copied from another run, or the model's options changed) is
    quarantined like a damaged one, and the previous one is tried: a resume never fails for
    ever on one bad file."""
    while True:
        checkpoint = store.latest_good()
        if checkpoint is None:
            return None
        try:
            restore(model, checkpoint)
        except CheckpointError as error:
            store.quarantine(checkpoint.epoch, error)
            continue
        return checkpoint


def _early_stopping_weights(
    run: Run,
    store: CheckpointStore,
    model: keras.Model,
    epoch: int,
    callback_state: dict[str, Any],
) -> list[Any] | None:
    """The weights of early stopping's best epoch, read from that epoch's checkpoint (loaded
    into `model`, which the caller then overwrites); None when they are the latest or lost."""
    stopping = callback_state.get("early_stopping") or {}
    if stopping.get("best_epoch") is None:
        return None
    # Early stopping restores its best weights at the end: that epoch's checkpoint is
    # pinned (never pruned) for this moment.
    best_epoch = int(stopping["best_epoch"]) + 1
    if best_epoch == epoch:
        return None
    try:
        restore(model, store.verify(best_epoch))
        return model.get_weights()
    except (CheckpointError, ValueError) as error:
        run.log(
            f"WARNING: early stopping's best weights are lost ({error}); it "
            f"will keep the last weights instead"
        )
        return None


def settle_saved_weights(
    status: str,
    progress: Progress,
    early_stopping: Any,
    store: CheckpointStore,
    trainer: Any,
) -> dict[str, Any]:
    """Make the weights about to be saved as model.keras a completed epoch's, and say which:
    run.json's `model_weights`, the epoch and its metrics.

    The rule: with early stopping on, a finished run holds the epoch of the best val_loss
    (Keras put its weights back at the end of fit); any other finished run holds its last
    epoch; a stopped run goes back to its newest good checkpoint, the epoch a resume would
    continue from (the unfinished epoch's batches, which no metric describes, are dropped).
    Stopped before any checkpoint, it keeps the weights it has, and says so (epoch None).
    """
    restored_best = early_stopping is not None and early_stopping.best_weights is not None
    if status == "finished" and restored_best:
        epoch = int(early_stopping.best_epoch) + 1
        return _weights_record(progress, epoch, "best val_loss (early stopping)")
    if status != "stopped":
        return _weights_record(progress, progress.epochs_completed, "last epoch")
    checkpoint = None
    try:
        checkpoint = store.latest_good() if trainer is not None else None
        if checkpoint is not None:
            restore(trainer, checkpoint)
    except (CheckpointError, OSError, ValueError) as error:
        checkpoint = None
        store.warn(f"WARNING: the model is saved as it was at the stop: {error}")
    if checkpoint is None:
        return {"epoch": None, "metrics": {}, "rule": "stopped with no usable checkpoint"}
    return _weights_record(progress, checkpoint.epoch, "last checkpoint (stopped)")


def _weights_record(progress: Progress, epoch: int, rule: str) -> dict[str, Any]:
    entry = next((e for e in progress.epoch_entries if e.get("epoch") == epoch), {})
    return {"epoch": epoch, "metrics": dict(entry.get("metrics") or {}), "rule": rule}


def checkpoint_state(
    progress: Progress,
    *,
    elapsed_seconds: float,
    optimizer: Any,
    seed: int,
    initial_epoch: int,
    early_stopping: Any,
    plateau: Any,
) -> dict[str, Any]:
    """Everything besides the model that a resume needs, as plain JSON values."""
    state: dict[str, Any] = {
        "step": progress.step,
        "best": progress.best,
        "last": progress.last,
        "epochs": progress.epoch_entries,
        "elapsed_seconds": round(elapsed_seconds, 3),
        "learning_rate": float(optimizer.learning_rate),
        "iterations": int(optimizer.iterations.numpy()),  # a MirroredVariable under mirrored
        "rng": {"seed": seed, "data_seed": seed + initial_epoch},
        "callbacks": {},
    }
    if early_stopping is not None:
        has_best = early_stopping.best_weights is not None
        state["callbacks"]["early_stopping"] = {
            "wait": int(early_stopping.wait),
            "best": _plain(early_stopping.best),
            "best_epoch": int(early_stopping.best_epoch) if has_best else None,
        }
        if has_best:
            state["pinned"] = [int(early_stopping.best_epoch) + 1]
    if plateau is not None:
        state["callbacks"]["plateau"] = {
            "wait": int(plateau.wait),
            "best": _plain(plateau.best),
            "cooldown_counter": int(plateau.cooldown_counter),
        }
    return state


def restore_callback_state(
    state: dict[str, Any], early_stopping: Any, plateau: Any, trainer: keras.Model
) -> None:
    """Give early stopping and the plateau schedule their saved state back; call it after
    their own `on_train_begin` (which resets them)."""
    saved = state.get("early_stopping")
    if early_stopping is not None and saved:
        early_stopping.wait = int(saved.get("wait", 0))
        if saved.get("best") is not None:
            early_stopping.best = float(saved["best"])
        if saved.get("best_epoch") is not None:
            early_stopping.best_epoch = int(saved["best_epoch"])
            weights = state.get("early_stopping_weights")
            early_stopping.best_weights = weights if weights is not None else trainer.get_weights()
    saved = state.get("plateau")
    if plateau is not None and saved:
        plateau.wait = int(saved.get("wait", 0))
        plateau.cooldown_counter = int(saved.get("cooldown_counter", 0))
        if saved.get("best") is not None:
            plateau.best = float(saved["best"])


def _plain(value: Any) -> float | None:
    """A callback's `best` (a float, or a NumPy/tensor scalar) as JSON; infinities as None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def history_up_to(
    entries: list[dict[str, Any]], epoch: int, epoch_entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """History cut back to the end of `epoch`: later entries (a partial or uncheckpointed
    epoch) go, each epoch 1..`epoch` keeps its batch entries and exactly one epoch entry (taken
    from the checkpoint when history.jsonl lost it)."""
    by_epoch: dict[int, list[dict[str, Any]]] = {}
    summaries: dict[int, dict[str, Any]] = {}
    for entry in entries:
        number = entry.get("epoch")
        if not isinstance(number, int) or not 1 <= number <= epoch:
            continue
        if entry.get("kind") == "epoch":
            summaries.setdefault(number, entry)  # a duplicate would be a repeated epoch
        else:
            by_epoch.setdefault(number, []).append(entry)
    for entry in epoch_entries:
        number = entry.get("epoch")
        if isinstance(number, int) and 1 <= number <= epoch:
            summaries.setdefault(number, entry)
    history: list[dict[str, Any]] = []
    for number in range(1, epoch + 1):
        history.extend(by_epoch.get(number, []))
        if number in summaries:
            history.append(summaries[number])
    return history
