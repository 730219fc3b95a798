"""A training session: one validated config in, one run folder out, events to an observer.

    session = TrainingSession(TrainingConfig(model="lenet5", epochs=10), observer)
    result = session.run()          # blocking; the GUI calls it on a worker thread
    session.stop() / session.pause() / session.resume()   # from any thread

This module is the session's lifecycle; the rest lives by name beside it: the training recipe
(model, data, optimizer, loss, steps per execution) in `recipe`, the Keras callbacks in
`callbacks`, stop and pause in `controls`, run.json and history in `record`, checkpoint state and
resuming in `resume`, private TensorFlow workarounds in `tf_workarounds`.

Stop ends training at once (no trailing validation), saves the model and marks the run
`stopped`. Statuses: `finished` (all epochs, or early stopping), `stopped` (user), `failed` with a
reason: `loss became NaN at epoch E batch B`, out of memory (with a suggestion), or any exception
as `Type: message`. Whatever happens, the reason reaches both run.json and the observer.

model.keras holds a completed epoch's weights wherever one exists, and run.json's
`model_weights` names that epoch and its metrics (the rule: `resume.settle_saved_weights`).

Importing this module does not import Keras or TensorFlow: the GUI imports it to show its window.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cnnstudio.engine.devices.tf_workarounds import forgetting_custom_gradients
from cnnstudio.engine.store.checkpoints import CheckpointStore
from cnnstudio.engine.store.epoch_writer import EpochWriter
from cnnstudio.engine.store.run_liveness import Heartbeat
from cnnstudio.engine.store.run_lock import HeldLock, take_writer_lock
from cnnstudio.engine.store.runs import Run, RunStore
from cnnstudio.engine.training import recipe, record, resume, schedules
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.controls import (
    LossNotFinite,
    RunControls,
    StopRequested,
    describe_failure,
)
from cnnstudio.engine.training.events import (
    RunStarted,
    TrainingEvent,
    TrainingObserver,
    final_event,
)
from cnnstudio.i18n import _

if TYPE_CHECKING:
    import keras

    from cnnstudio.engine.data.data_types import Dataset
    from cnnstudio.models import ModelInfo


@dataclass
class RunResult:
    """What `run()` returns: the same facts as the final event and run.json."""

    status: str  # finished / stopped / failed
    reason: str | None
    run_dir: str | None
    run_id: str | None
    epochs_completed: int = 0
    best: dict[str, Any] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    early_stopped: bool = False


class TrainingSession:
    """Trains one model on one data set as `config` says, reporting to `observer`.

    `dataset` may be given to reuse data already loaded (the bench, tests); otherwise it is
    loaded from `config.dataset`. A session runs once.
    """

    def __init__(
        self,
        config: TrainingConfig,
        observer: TrainingObserver | None = None,
        runs: RunStore | None = None,
        *,
        dataset: Any = None,
    ) -> None:
        config = config.replace(model_options=dict(config.model_options))
        if dataset is not None:
            # Data given in memory (tests, the bench) names itself.
            config.dataset = dataset.info.name
        self.config = config.validate(check_dataset=dataset is None)
        self.observer = observer if observer is not None else TrainingObserver()
        self.runs = runs if runs is not None else RunStore()
        self.model: keras.Model | None = None  # what is saved and exported
        self.trainer: keras.Model | None = None  # what fit trains (see `_assemble`)
        self.run_handle: Run | None = None
        self.result: RunResult | None = None
        self.controls = RunControls()
        self.progress = record.Progress()
        self.initial_epoch = 0  # epochs already done when this session starts (resume)
        self._dataset = dataset
        self._started = False
        self._resume_target: Run | None = None
        self._resume_epochs: int | None = None
        self._resume_force = False
        self._writer_lock: HeldLock | None = None  # the run's one writer (`take_writer_lock`)
        self._elapsed_offset = 0.0  # training time of earlier sessions of the same run
        self._log_mark = 0  # log.txt lines before this session began (`_preparation_warnings`)
        self._device_name: str | None = None
        self._placement: Any = None  # distribute.Placement, made first thing in `_train`
        self._policy, self._jit = "float32", False  # precision.choose's answer for the run
        self._scratch: Any = None  # a non-chief worker's temporary run store, removed at the end
        self._callback_state: dict[str, Any] = {}  # from the checkpoint a resume starts at
        # The learning-rate schedule's segments before this session (a resume may add one).
        self._earlier_segments: list[list[int]] = schedules.initial_segments(self.config.epochs)
        # Keras callbacks whose state a checkpoint keeps (None when the config has none).
        self._early_stopping: keras.callbacks.EarlyStopping | None = None
        self._plateau: keras.callbacks.ReduceLROnPlateau | None = None
        self._scalars: Any = None
        # The per-epoch history, checkpoint and TensorBoard writes, off the training thread.
        self.epoch_writer = EpochWriter()

    @classmethod
    def resume_run(
        cls,
        run: Run | str,
        observer: TrainingObserver | None = None,
        runs: RunStore | None = None,
        *,
        epochs: int | None = None,
        dataset: Any = None,
        force: bool = False,
    ) -> TrainingSession:
        """A session whose `run()` continues `run` (a Run or a run id) in its own folder from
        its newest good checkpoint. `epochs` raises the total number of epochs (a finished run
        can be extended this way). `dataset` is for data given in memory, as in `__init__`.
        `force` resumes a run whose trainer cannot be ruled alive or dead (another host).

        Raises ValueError, before anything is written, for a run that is still training, that
        has nothing left to do, or whose record this version cannot read.
        """
        runs = runs if runs is not None else RunStore()
        handle = run if isinstance(run, Run) else runs.find(str(run))
        config = resume.resume_config(handle, epochs, force=force)
        session = cls(config, observer, runs, dataset=dataset)
        session._resume_target = handle
        session._resume_epochs, session._resume_force = epochs, force
        return session

    # -- control, from any thread -------------------------------------------------------------

    def stop(self) -> None:
        """Stop after the current group of batches; the model is saved, the run `stopped`."""
        self.controls.stop()

    def pause(self) -> bool:
        """Pause after the current group of batches; False once a stop was asked for (stop
        wins, and the run goes on stopping)."""
        return self.controls.pause()

    def resume(self) -> None:
        self.controls.resume()

    @property
    def stop_requested(self) -> bool:
        return self.controls.stop_requested

    @property
    def paused(self) -> bool:
        return self.controls.paused

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Train, blocking until finished, stopped or failed. Never raises for training errors:
        the result (and run.json, and the observer) say what happened."""
        if self._started:
            raise RuntimeError(_("a TrainingSession runs once; create a new one for another run"))
        self._started = True
        self._clock_start = time.perf_counter()
        self.progress = record.Progress()
        try:
            if self._resume_target is not None:
                self.run_handle = self._resume_target
                # One writer per run, checked where the lock is taken: a second resume of the
                # same run, started a moment later, is refused here before it writes anything.
                self._writer_lock = take_writer_lock(self.run_handle)
                self._check_still_resumable()
                self._earlier_segments = schedules.recorded_segments(self.run_handle.reload())
                self._elapsed_offset = record.reopen_run(
                    self.run_handle, self.config, self.progress
                )
            else:
                self._use_scratch_store_unless_chief()
                self.run_handle = self.runs.create(self.config.model, self.config.dataset)
                self._writer_lock = take_writer_lock(self.run_handle)
                self.run_handle.write_record(record.initial_record(self.config))
        except OSError as error:
            self._release_writer_lock()
            reason = f"cannot write the run folder: {error}"
            return self._finish("failed", reason, write=False)
        except ValueError:
            self._release_writer_lock()
            raise
        try:
            return self._run_holding_the_writer_lock()
        finally:
            self._release_writer_lock()

    def _check_still_resumable(self) -> None:
        """Under the writer lock, the checks of `resume_run` again: the run may have been
        finished or resumed by another process since they were made."""
        resume.resume_config(self._resume_target, self._resume_epochs, force=self._resume_force)

    def _release_writer_lock(self) -> None:
        if self._writer_lock is not None:
            self._writer_lock.release()
            self._writer_lock = None

    def _run_holding_the_writer_lock(self) -> RunResult:

        try:
            # The heartbeat tells other hosts this run is alive (see `run_liveness`).
            with forgetting_custom_gradients(self.run_handle.log), Heartbeat(self.run_handle.path):
                self._train()
        except StopRequested:
            return self._finish("stopped", None, save=True)
        except KeyboardInterrupt:
            return self._finish("stopped", "interrupted", save=True)
        except LossNotFinite as error:
            return self._finish("failed", str(error))
        except Exception as error:  # the reason must never be lost, whatever it is
            device = self._device_name or self.config.device
            return self._finish("failed", describe_failure(error, self.config.batch_size, device))
        return self._finish("finished", None, save=True)

    def _use_scratch_store_unless_chief(self) -> None:
        """Under multi-worker only the chief writes the run folder (`distribute`)."""
        from cnnstudio.engine.devices.distribute import scratch_store_root

        self._scratch = scratch_store_root(self.config)
        if self._scratch is not None:
            self.runs = RunStore(self._scratch)

    @property
    def distributed(self) -> bool:
        """Whether the run trains under a tf.distribute strategy (its variables are read one by
        one, as the strategy's variables expect)."""
        return getattr(self._placement, "strategy", None) is not None

    def elapsed_seconds(self) -> float:
        """Training time of the whole run: earlier sessions (resume) plus this one."""
        return self._elapsed_offset + (time.perf_counter() - self._clock_start)

    def _train(self) -> None:
        import keras

        from cnnstudio.engine.data.downloads import load_training_data
        from cnnstudio.engine.devices import distribute, precision
        from cnnstudio.models import get_model_info

        config = self.config
        # First: a multi-worker strategy must exist before TensorFlow initialises its runtime.
        placement = self._placement = distribute.place(config)
        # Old models, graphs and name counters of earlier runs in this thread go now, so that
        # many runs in one process do not grow memory.
        keras.backend.clear_session()
        gc.collect()
        keras.utils.set_random_seed(config.seed)

        self._log_mark = len(self.run_handle.log_lines())  # see `_preparation_warnings`
        self._device_name = placement.label
        self._policy, self._jit = precision.choose(
            config.mixed_precision, config.xla, placement.devices
        )
        hardware = placement.describe(
            policy=self._policy, xla=self._jit, batch_size=config.batch_size
        )
        self.run_handle.update_record(device=placement.label, hardware=hardware)
        try:
            dataset = self._dataset or load_training_data(
                config, cancelled=lambda: self.controls.stop_requested, note=self.run_handle.log
            )
        except Exception:
            self.controls.raise_if_stopped()  # a Stop cancelled the download: stopped, not failed
            raise
        # Stop is honoured between the long phases before training too, not only in its batches.
        self.controls.raise_if_stopped()
        model_info = get_model_info(config.model)
        input_shape = recipe.choose_input_shape(
            model_info.min_input, tuple(dataset.info.image_shape)
        )
        with placement.scope():
            pipelines, steps_per_execution = self._assemble(dataset, input_shape)
            if self._resume_target is not None:
                self.initial_epoch = self._restore(self.trainer)
            self.controls.raise_if_stopped()  # after standardisation, calibration, restore
            self._announce(model_info, dataset, input_shape, pipelines, steps_per_execution)
            self._fit(pipelines)

    def _assemble(
        self, dataset: Dataset, input_shape: tuple[int, int, int]
    ) -> tuple[recipe.Pipelines, int]:
        """Build the model and what fit trains, the data pipelines, and compile; returns the
        pipelines and the number of batches per call into TensorFlow."""
        config = self.config
        from cnnstudio.engine.devices import distribute, precision

        placement = self._placement
        model = recipe.build_model(
            config, input_shape, dataset.info.num_classes, policy=self._policy
        )
        self.model = model
        if self._resume_target is not None:
            # Where the run continues decides the data seed (see training/resume.py).
            self.initial_epoch = self._peek_checkpoint_epoch()
        schedule_segments = self._schedule_segments()
        # The pipeline batches the global batch; the strategy splits it across the replicas.
        global_batch = config.replace(batch_size=placement.global_batch(config.batch_size))
        pipelines = recipe.training_pipelines(
            global_batch, dataset, input_shape, initial_epoch=self.initial_epoch
        )
        pipelines = distribute.sharded(pipelines, placement)
        if config.standardize:
            model = recipe.with_input_standardization(model, pipelines.train)
            self.model = model
        # What fit trains: `model` itself, or `model` behind the augmentation layer (the
        # same weights; `model` stays the one saved and exported).
        trainer = model
        augment = recipe.DEFAULT_AUGMENTATION.for_dataset(dataset.info)
        augment = replace(augment, stroke=config.stroke_augmentation)
        if config.augment and not augment.is_identity:
            trainer = recipe.with_training_augmentation(model, augment, seed=config.seed)
        self.trainer = trainer
        if self._jit and trainer is not model:  # see `precision.NO_XLA_WITH_AUGMENTATION`
            self._jit = False
            self.run_handle.log(precision.NO_XLA_WITH_AUGMENTATION)
            hardware = self.run_handle.reload().get("hardware") or {}
            self.run_handle.update_record(hardware={**hardware, "xla": False})
        steps_per_execution = self._steps_per_execution(model, pipelines)
        recipe.compile_trainer(
            trainer,
            config,
            steps_per_epoch=pipelines.steps_per_epoch,
            steps_per_execution=steps_per_execution,
            jit_compile=self._jit,
            policy=self._policy,
            schedule_segments=schedule_segments,
        )
        return pipelines, steps_per_execution

    def _schedule_segments(self) -> list[list[int]]:
        """The learning-rate schedule's segments, kept in run.json: a resume to another number
        of epochs continues the schedule from where it is
        (`cnnstudio.engine.training.schedules`)."""
        segments = schedules.extend(self._earlier_segments, self.initial_epoch, self.config.epochs)
        self.run_handle.update_record(schedule_segments=segments)
        return segments

    def _steps_per_execution(self, model: keras.Model, pipelines: recipe.Pipelines) -> int:
        """As configured, else as the resumed run recorded, else measured on this machine;
        1 under a strategy (Keras 3's grouped steps break under tf.distribute:
        keras-team/keras#19246, "You must feed a value for placeholder tensor")."""
        if self._placement.strategy is not None:
            return 1
        recorded = (
            self.run_handle.record.get("steps_per_execution")
            if self._resume_target is not None
            else None
        )
        chosen = self.config.steps_per_execution or (recorded if isinstance(recorded, int) else 0)
        if chosen:
            return chosen
        self.calibrated_step_seconds = recipe.measure_step_seconds(model, pipelines.train)
        return recipe.auto_steps_per_execution(
            self.calibrated_step_seconds, pipelines.steps_per_epoch
        )

    def _announce(
        self,
        model_info: ModelInfo,
        dataset: Dataset,
        input_shape: tuple[int, int, int],
        pipelines: recipe.Pipelines,
        steps_per_execution: int,
    ) -> None:
        """Record what was built and tell the observer that training starts."""
        model = self.model
        record.record_model_and_data(
            self.run_handle,
            model_info,
            model,
            dataset,
            input_shape,
            pipelines=pipelines,
            steps_per_execution=steps_per_execution,
        )
        self.emit(
            RunStarted(
                run_id=self.run_handle.id,
                run_dir=str(self.run_handle.path),
                model=model_info.name,
                model_display_name=model_info.display_name,
                dataset=dataset.info.name,
                input_shape=input_shape,
                num_classes=dataset.info.num_classes,
                params=record.network_params(model),
                trainable_params=record.trainable_params(model),
                device=self._device_name,
                epochs=self.config.epochs,
                steps_per_epoch=pipelines.steps_per_epoch,
                batch_size=self.config.batch_size,
                steps_per_execution=steps_per_execution,
                train_size=len(dataset.train.labels),
                validation_size=pipelines.validation_images,
                initial_epoch=self.initial_epoch,
                warnings=self._preparation_warnings(),
            )
        )

    def _preparation_warnings(self) -> tuple[str, ...]:
        """The warnings log.txt got while the run was prepared (a damaged checkpoint passed
        over or quarantined, no usable checkpoint, lost early-stopping weights), so that the
        observer says them on screen rather than only in the log."""
        lines = self.run_handle.log_lines()[self._log_mark :]
        texts = [line.split(" ", 1)[-1] for line in lines]
        return tuple(
            text for text in texts if text.startswith("WARNING") or "no usable checkpoint" in text
        )

    def _fit(self, pipelines: recipe.Pipelines) -> None:
        # Imported here, not at the top: the callbacks module imports Keras.
        from cnnstudio.engine.training.callbacks import Checkpointer, EpochScalars, SessionHooks

        hooks = SessionHooks(self, pipelines.steps_per_epoch, pipelines.train_images)
        self._early_stopping, self._plateau = recipe.schedule_callbacks(self.config)
        schedule = [c for c in (self._early_stopping, self._plateau) if c is not None]
        self._scalars = EpochScalars(self)
        # The checkpointer after those: a checkpoint holds what early stopping and the plateau
        # made of the epoch.
        callbacks = [hooks, *schedule, Checkpointer(self), self._scalars]
        try:
            # Multi-worker: BackupAndRestore, and Keras workarounds while fit runs (`distribute`).
            with self._placement.fitting(
                self.trainer, callbacks, self.config, self.run_handle.path
            ):
                self._fit_with(pipelines, callbacks)
        except BaseException:
            # Every epoch's files are written before the run ends, whatever ended it; a write
            # that failed meanwhile is said in the log, the run ends for the first reason.
            failure = self.epoch_writer.close()
            if failure is not None:
                self.run_handle.log(f"WARNING: an epoch's files were not written: {failure}")
            raise
        failure = self.epoch_writer.close()
        if failure is not None:
            raise failure

    def _fit_with(self, pipelines: recipe.Pipelines, callbacks: list[Any]) -> None:
        self.trainer.fit(
            pipelines.train,
            validation_data=pipelines.validation,
            epochs=self.config.epochs,
            # Given, not left to Keras: without them its epoch iterator makes each epoch's
            # iterator twice, for training and for validation (~4 ms each, 4-6% of an
            # epoch of LeNet-5 on mnist-5k); with them it keeps the one it made ahead.
            steps_per_epoch=pipelines.steps_per_epoch,
            validation_steps=recipe.known_length(pipelines.validation),
            initial_epoch=self.initial_epoch,
            callbacks=callbacks,
            verbose=0,
            shuffle=False,  # the pipeline shuffles
        )

    # -- checkpoints and resume (see `cnnstudio.engine.training.resume`) ---

    def checkpoint_store(self) -> CheckpointStore:
        run = self.run_handle
        return CheckpointStore(run.checkpoints_dir, keep=self.config.keep_checkpoints, warn=run.log)

    def _peek_checkpoint_epoch(self) -> int:
        checkpoint = self.checkpoint_store().latest_good()
        return checkpoint.epoch if checkpoint is not None else 0

    def _restore(self, model: keras.Model) -> int:
        """Load the newest good checkpoint into the compiled `model`; returns the epoch
        training continues after."""
        restored = resume.restore_checkpoint(
            self.run_handle,
            self.checkpoint_store(),
            model,
            self.progress,
            early_stopping=bool(self.config.early_stopping),
        )
        self._elapsed_offset = restored.elapsed_offset
        self._callback_state = restored.callback_state
        return restored.epoch

    def checkpoint_state(self) -> dict[str, Any]:
        """Everything besides the model that a resume needs, as plain JSON values."""
        return resume.checkpoint_state(
            self.progress,
            elapsed_seconds=self.elapsed_seconds(),
            optimizer=self.trainer.optimizer,
            seed=self.config.seed,
            initial_epoch=self.initial_epoch,
            early_stopping=self._early_stopping,
            plateau=self._plateau,
        )

    def restore_callback_state(self) -> None:
        """Called after the callbacks' own `on_train_begin` (which resets them)."""
        if self._callback_state:
            resume.restore_callback_state(
                self._callback_state, self._early_stopping, self._plateau, self.trainer
            )

    # -- reporting ----------------------------------------------------------------------------

    def emit(self, event: TrainingEvent) -> None:
        self.observer.on_event(event)

    def _finish(
        self, status: str, reason: str | None, *, save: bool = False, write: bool = True
    ) -> RunResult:
        """End the run: close the record (unless the folder could not be written), keep the
        result, and send the final event."""
        progress = self.progress
        run = self.run_handle
        elapsed = self.elapsed_seconds()
        early_stopped = bool(
            status == "finished"
            and self._early_stopping is not None
            and self._early_stopping.stopped_epoch > 0
        )
        self.epoch_writer.close()  # (already closed by `_fit`, unless it never began)
        if self._scalars is not None:  # fit does not end its callbacks when it raises
            with contextlib.suppress(Exception):
                self._scalars.close()
        if run is not None and write:
            model = self.model if save else None
            weights = None
            if model is not None:
                weights = resume.settle_saved_weights(
                    status, progress, self._early_stopping, self.checkpoint_store(), self.trainer
                )
            status, reason = record.close_record(
                run,
                progress,
                model,
                status=status,
                reason=reason,
                elapsed=elapsed,
                early_stopped=early_stopped,
                model_weights=weights,
            )
        self.result = RunResult(
            status=status,
            reason=reason,
            run_dir=str(run.path) if run is not None else None,
            run_id=run.id if run is not None else None,
            epochs_completed=progress.epochs_completed,
            best=dict(progress.best),
            last=dict(progress.last),
            elapsed_seconds=elapsed,
            early_stopped=early_stopped,
        )
        if self._scratch is not None:  # a multi-worker worker's own temporary run store
            shutil.rmtree(self._scratch, ignore_errors=True)
        # The run is over and recorded; a broken observer cannot change that.
        with contextlib.suppress(Exception):
            self.emit(final_event(self.result))
        return self.result
