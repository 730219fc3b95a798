"""The Keras callbacks of a training session: its bridge to `model.fit`.

`SessionHooks` turns fit's batch and epoch ends into events, history and run.json updates, and
honours stop and pause; `Checkpointer` writes each epoch's checkpoint after every other callback
has seen the epoch; `EpochScalars` writes TensorBoard scalars. The three copy what they write in
the training thread and hand the file work to the session's `EpochWriter`, which does it while
the next epoch trains (`cnnstudio.engine.store.epoch_writer`).

This module imports Keras: the session imports it only when a run starts, so that importing
`cnnstudio.engine.training.session` (the GUI does, to show its window) does not load TensorFlow.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import keras

from cnnstudio.engine.store.runs import CHECKPOINTS_DIR, LOGS_DIR
from cnnstudio.engine.training.controls import LossNotFinite
from cnnstudio.engine.training.events import BatchEnd, EpochEnd
from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.engine.training.session import TrainingSession


class SessionHooks(keras.callbacks.Callback):
    """Bridges Keras's fit loop to the session: events, history, stop, pause, NaN."""

    def __init__(self, session: TrainingSession, steps_per_epoch: int, train_images: int):
        super().__init__()
        self.session = session
        self.steps_per_epoch = steps_per_epoch
        self.train_images = train_images
        self.batch_size = session.config.batch_size
        self.epochs = session.config.epochs
        self.progress = session.progress
        self.step = self.progress.step  # a resumed run counts on

    # Stop and pause are honoured before a group starts and after it ends.
    def _check_controls(self) -> None:
        self.paused_seconds += self.session.controls.honour()

    def on_train_begin(self, logs=None):
        self.paused_seconds = 0.0
        self.epoch_durations: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch  # Keras counts from 0; events count from 1
        self._check_controls()
        self.epoch_start = time.perf_counter()
        self.paused_at_epoch_start = self.paused_seconds
        self.last_hook_time = self.epoch_start
        self.last_paused = self.paused_seconds
        self.batches_done = 0
        self.train_seconds = 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self._check_controls()

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        now = time.perf_counter()
        # Keras gives the 0-based index of the group's last batch as if every group were full;
        # when the batches per call do not divide the epoch, the last group is short (fit's
        # data runs out) and that index overshoots the epoch (18 of 16).
        done = min(batch + 1, self.steps_per_epoch)
        group = done - self.batches_done
        self.step += group
        self.progress.step = self.step
        loss = float(logs.get("loss", math.nan))
        accuracy = float(logs.get("accuracy", math.nan))
        busy = (now - self.last_hook_time) - (self.paused_seconds - self.last_paused)
        images = group * self.batch_size
        if done >= self.steps_per_epoch:  # the last batch may be short
            images -= max(0, self.steps_per_epoch * self.batch_size - self.train_images)
        event = BatchEnd(
            epoch=self.current_epoch,
            batch=done,
            steps_per_epoch=self.steps_per_epoch,
            step=self.step,
            loss=loss,
            accuracy=accuracy,
            images_per_second=images / busy if busy > 0 else 0.0,
        )
        self.progress.pending.append(
            {
                "kind": "batch",
                "epoch": event.epoch,
                "batch": done,
                "step": self.step,
                "loss": loss,
                "accuracy": accuracy,
                "images_per_second": round(event.images_per_second, 1),
            }
        )
        self.batches_done = done
        self.last_hook_time = now
        self.last_paused = self.paused_seconds
        self.train_seconds = (
            now - self.epoch_start - (self.paused_seconds - self.paused_at_epoch_start)
        )
        if not math.isfinite(loss):
            what = "NaN" if math.isnan(loss) else "infinite"
            raise LossNotFinite(f"loss became {what} at epoch {self.current_epoch} batch {done}")
        self.session.emit(event)
        self._check_controls()

    def on_test_batch_end(self, batch, logs=None):
        # Overridden so Keras runs validation hooks in this thread: no executor threads
        # are left behind when a stop leaves `fit` early. A stop ends validation too, within
        # a group of its batches (the unfinished epoch gets no checkpoint; resume redoes it).
        self.session.controls.raise_if_stopped()

    @property
    def current_epoch(self) -> int:
        return self._epoch + 1

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        now = time.perf_counter()
        # The previous epoch's writes are done (or their error raised here) before this
        # epoch's are handed over: first callback, so first of this epoch's jobs.
        self.session.epoch_writer.begin_epoch()
        metrics = {key: float(value) for key, value in logs.items() if key != "learning_rate"}
        epoch_seconds = now - self.epoch_start - (self.paused_seconds - self.paused_at_epoch_start)
        self.epoch_durations.append(epoch_seconds)
        remaining = self.epochs - (epoch + 1)
        eta = remaining * (sum(self.epoch_durations) / len(self.epoch_durations))
        learning_rate = float(self.model.optimizer.learning_rate)
        is_best = self._update_progress(epoch + 1, metrics)
        elapsed = self.session.elapsed_seconds()
        ips = self.train_images / self.train_seconds if self.train_seconds > 0 else 0.0
        self._write_epoch(
            {
                "kind": "epoch",
                "epoch": epoch + 1,
                "step": self.step,
                "metrics": metrics,
                "learning_rate": learning_rate,
                "epoch_seconds": round(epoch_seconds, 4),
                "elapsed_seconds": round(elapsed, 3),
                "images_per_second": round(ips, 1),
            },
            elapsed,
        )
        if not math.isfinite(metrics.get("loss", 0.0)):
            what = "NaN" if math.isnan(metrics["loss"]) else "infinite"
            raise LossNotFinite(
                f"loss became {what} at epoch {epoch + 1} batch {self.batches_done}"
            )
        self.session.emit(
            EpochEnd(
                epoch=epoch + 1,
                epochs=self.epochs,
                metrics=metrics,
                learning_rate=learning_rate,
                elapsed_seconds=elapsed,
                epoch_seconds=epoch_seconds,
                eta_seconds=eta,
                images_per_second=ips,
                is_best=is_best,
            )
        )

    def _update_progress(self, epoch: int, metrics: dict[str, float]) -> bool:
        """Count the epoch and keep its metrics; True when its validation accuracy is the best."""
        progress = self.progress
        validation_accuracy = metrics.get("val_accuracy", math.nan)
        best_so_far = progress.best.get("val_accuracy", -math.inf)
        is_best = validation_accuracy > best_so_far
        if is_best:
            progress.best = {"epoch": epoch, **metrics}
        progress.last = dict(metrics)
        progress.epochs_completed = epoch
        return is_best

    def _write_epoch(self, entry: dict[str, Any], elapsed: float) -> None:
        """Write the epoch's history (with its batches) and run.json's counters."""
        progress = self.progress
        progress.pending.append(entry)
        progress.epoch_entries.append(entry)
        run = self.session.run_handle
        entries = progress.take_pending()
        counters = {
            "epochs_completed": progress.epochs_completed,
            "best": dict(progress.best),
            "last": dict(progress.last),
            "elapsed_seconds": round(elapsed, 3),
        }

        def write() -> None:
            run.append_history(entries)
            run.update_record(**counters)

        self.session.epoch_writer.submit(write)


class Checkpointer(keras.callbacks.Callback):
    """Writes the checkpoint of each completed epoch; runs after every other callback."""

    def __init__(self, session: TrainingSession):
        from cnnstudio.engine.store.checkpoints import VariableReader

        super().__init__()
        self.session = session
        self.seconds: list[float] = []
        # One call reads every variable; under a tf.distribute strategy each is read on its
        # own, as the strategy's variables expect.
        self.read = VariableReader() if not session.distributed else None

    def on_train_begin(self, logs=None):
        self.session.restore_callback_state()

    def on_epoch_end(self, epoch, logs=None):
        from cnnstudio.engine.store.checkpoints import snapshot

        session = self.session
        run = session.run_handle
        store = session.checkpoint_store()
        # What the checkpoint holds is taken now; the files are written while training goes on.
        taken, state = snapshot(session.trainer, self.read), session.checkpoint_state()

        def write() -> None:
            begin = time.perf_counter()
            try:
                checkpoint = store.write(taken, epoch + 1, state)
            except OSError as error:
                raise OSError(
                    _("could not write the checkpoint of epoch {value}: {error}").format(
                        value=epoch + 1, error=error
                    )
                ) from error
            seconds = time.perf_counter() - begin
            self.seconds.append(seconds)
            run.update_record(
                checkpoint={
                    "epoch": epoch + 1,
                    "file": f"{CHECKPOINTS_DIR}/{checkpoint.data_path.name}",
                    "seconds": round(seconds, 4),
                    "mean_seconds": round(sum(self.seconds) / len(self.seconds), 4),
                }
            )

        session.epoch_writer.submit(write)


class EpochScalars(keras.callbacks.Callback):
    """TensorBoard scalars under RUN/logs, once per epoch (a few events: no measurable
    cost). `tensorboard --logdir RUN/logs` shows them; a resumed run appends.

    Written with TF's core `tf.summary.write` and the scalars plugin's metadata, which is
    what `tf.summary.scalar` does, minus its need for the tensorboard package. Logging is
    a convenience: if it fails, the run's log says so once and training goes on.
    """

    def __init__(self, session: TrainingSession):
        super().__init__()
        self.session = session
        self.writer = None
        self.failed = False

    def on_epoch_end(self, epoch, logs=None):
        logs = {key: float(value) for key, value in (logs or {}).items()}
        logs.setdefault("learning_rate", float(self.session.trainer.optimizer.learning_rate))
        self.session.epoch_writer.submit(lambda: self._write_logged(epoch + 1, logs))

    def _write_logged(self, epoch: int, logs: dict[str, float]) -> None:
        if self.failed:
            return
        try:
            self._write(epoch, logs)
        except Exception as error:
            self.failed = True
            self.session.run_handle.log(f"WARNING: TensorBoard logs stopped: {error}")

    def _write(self, epoch: int, logs: dict[str, float]) -> None:
        import tensorflow as tf
        from tensorflow.core.framework import summary_pb2

        if self.writer is None:
            folder = self.session.run_handle.path / LOGS_DIR
            self.writer = tf.summary.create_file_writer(str(folder))
        metadata = summary_pb2.SummaryMetadata(
            plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
        )
        with self.writer.as_default(step=epoch):
            for name, value in logs.items():
                tf.summary.write(name, tf.constant(float(value), tf.float32), metadata=metadata)
        self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def on_train_end(self, logs=None):
        self.session.epoch_writer.submit(self.close)  # after the last epoch's scalars
