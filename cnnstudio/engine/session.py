"""A training session: one validated config in, one run folder out, events to an observer.

    session = TrainingSession(TrainingConfig(model="lenet5", epochs=10), observer)
    result = session.run()          # blocking; the GUI calls it on a worker thread
    session.stop() / session.pause() / session.resume()   # from any thread

How it stays fast (see `cnnstudio.bench`): the data comes from a cached, prefetched `tf.data`
pipeline; augmentation is the first layer of the model being trained (one resampling per image, in
the training step, where it does not compete with it for the CPU cores); Keras runs
`steps_per_execution` batches per call into TensorFlow, so the per-call cost (about 1 ms on a CPU)
is paid once per group instead of once per batch, and our batch hook, which makes Keras wait for the
numbers, fires once per group too. The group size is chosen so that the hook fires about
`EVENTS_PER_SECOND` times a second (measured on a compiled forward pass), never more than
`MAX_STEPS_PER_EXECUTION`. XLA is left off on the CPU, where it made LeNet-5 slower.

Stop and pause are `threading.Event`s checked in the batch hooks, so they take effect at the end of
the current group, i.e. within about 1 / EVENTS_PER_SECOND seconds. Stop ends training at once
(no trailing validation), saves the model and marks the run `stopped`; pause waits on an event
(no CPU burnt) and its time is left out of throughput and ETA.

Statuses: `finished` (all epochs, or early stopping), `stopped` (user), `failed` with a reason:
`loss became NaN at epoch E batch B`, out of memory (with a suggestion), or any exception as
`Type: message`. Whatever happens, the reason reaches both run.json and the observer.

Checkpoints and resume: after every epoch (and after early stopping and the plateau schedule
have seen it) `_Checkpointer` writes a checkpoint with the optimizer state (`checkpoints.py`).
`TrainingSession.resume_run(run)` makes a session that continues a stopped, failed or
interrupted run in its own folder from the newest good checkpoint: the same model and compile
settings are rebuilt, then weights and optimizer state (iteration counter, hence the schedule's
position) are loaded, the callbacks get their state back, history.jsonl is cut back to the
checkpoint, and `fit(initial_epoch=E)` numbers the epochs on from E + 1. The shuffling seed of a
resumed segment is `seed + E`: the data order is seeded and repeatable, but not the order the
uninterrupted run would have drawn (replaying E epochs of shuffling would cost E epochs of input
work on large data sets). The augmentation's random stream, on the other hand, continues exactly:
its generator state is one of the trained model's variables, saved in every checkpoint.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
import os
import platform
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnnstudio import __version__
from cnnstudio.engine.checkpoints import CheckpointError, CheckpointStore
from cnnstudio.engine.config import TrainingConfig
from cnnstudio.engine.data_types import Augmentation
from cnnstudio.engine.events import (
    BatchEnd,
    EpochEnd,
    RunFailed,
    RunFinished,
    RunStarted,
    RunStopped,
    TrainingEvent,
    TrainingObserver,
)
from cnnstudio.engine.pipeline import with_input_standardization, with_training_augmentation
from cnnstudio.engine.runs import (
    CHECKPOINTS_DIR,
    INTERRUPTED,
    LOGS_DIR,
    RESUMABLE_STATUSES,
    Run,
    RunStore,
    now_iso,
    process_identity,
)

if TYPE_CHECKING:
    import keras

EVENTS_PER_SECOND = 12
MAX_STEPS_PER_EXECUTION = 32
# A training step (forward + backward + update) costs about three forward passes.
STEP_COST_IN_FORWARD_PASSES = 3.0
# On a plateau the learning rate halves after this many epochs without a better val_loss.
PLATEAU_PATIENCE = 2
PLATEAU_FACTOR = 0.5
# `augment=True`: small shifts, rotations and zooms, plus flips where the data set allows them.
DEFAULT_AUGMENTATION = Augmentation(shift=0.1, rotation=10.0, zoom=0.1, flip=True)


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


class _StopRequested(Exception):
    """Raised from a batch hook to leave `model.fit` at once when the user stops."""


class _LossNotFinite(Exception):
    """Raised from a batch hook when the loss became NaN or infinite."""


def choose_input_shape(min_input: int, image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """The model input for a data set: its images, grown to the model's smallest input.

    LeNet-5 (min 32) on 28 x 28 x 1 MNIST gets 32 x 32 x 1, as in the paper; the pipeline pads.
    """
    height, width, channels = image_shape
    return (max(height, min_input), max(width, min_input), channels)


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


@contextlib.contextmanager
def _forgetting_custom_gradients():
    """Drop the gradient functions TensorFlow registers while a run traces its train step.

    Tracing the Keras train step under the default distribution strategy registers two
    `tf.custom_gradient` functions (`ReplicaContext.all_reduce`) in TensorFlow's process-wide
    gradient registry, which never removes them; each holds the whole traced train-step graph.
    Measured: 1,522 graph operations and about 14 MB of resident memory kept per run, 262 MB
    over 20 runs. Only entries added by this run are removed, after its train function is gone.
    """
    from tensorflow.python.framework import ops  # the registry has no public API

    registry = ops._gradient_registry._registry
    before = set(registry)
    try:
        yield
    finally:
        for name in [name for name in registry if name not in before]:
            if name.startswith("CustomGradient-"):
                registry.pop(name, None)


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
        self.trainer: keras.Model | None = None  # what fit trains (see `_train`)
        self.run_handle: Run | None = None
        self.result: RunResult | None = None
        self._dataset = dataset
        self._stop_event = threading.Event()
        self._resume_event = threading.Event()
        self._resume_event.set()
        self._started = False
        self._resume_target: Run | None = None
        self.initial_epoch = 0  # epochs already done when this session starts (resume)
        self._elapsed_offset = 0.0  # training time of earlier sessions of the same run

    @classmethod
    def resume_run(
        cls,
        run: Run | str,
        observer: TrainingObserver | None = None,
        runs: RunStore | None = None,
        *,
        epochs: int | None = None,
        dataset: Any = None,
    ) -> TrainingSession:
        """A session whose `run()` continues `run` (a Run or a run id) in its own folder from
        its newest good checkpoint. `epochs` raises the total number of epochs (a finished run
        can be extended this way). `dataset` is for data given in memory, as in `__init__`.

        Raises ValueError, before anything is written, for a run that is still training, that
        has nothing left to do, or whose record this version cannot read.
        """
        runs = runs if runs is not None else RunStore()
        handle = run if isinstance(run, Run) else runs.find(str(run))
        try:
            record = handle.reload()
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"run {handle.id!r} cannot be read: {error}") from None
        status = handle.effective_status
        if status == "running":
            process = record.get("process") or {}
            raise ValueError(
                f"run {handle.id!r} is still training (process {process.get('pid')} on "
                f"{process.get('host')}); stop it before resuming"
            )
        config_data = record.get("config")
        if not isinstance(config_data, dict):
            raise ValueError(f"run {handle.id!r} has no training config to resume from")
        config = TrainingConfig.from_dict(config_data)
        done = int(record.get("epochs_completed", 0) or 0)
        if epochs is not None:
            if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
                raise ValueError(f"epochs must be a positive integer; received {epochs!r}")
            if epochs <= done:
                raise ValueError(
                    f"run {handle.id!r} has already completed {done} epochs; ask for more "
                    f"than {done} to train further"
                )
            config = config.replace(epochs=epochs)
        elif status not in RESUMABLE_STATUSES or done >= config.epochs:
            how = "early stopping ended it" if record.get("early_stopped") else "all epochs done"
            raise ValueError(
                f"run {handle.id!r} is {status} after {done} of {config.epochs} epochs ({how}); "
                f"nothing to resume (give a larger number of epochs to train further)"
            )
        session = cls(config, observer, runs, dataset=dataset)
        session._resume_target = handle
        return session

    # -- control, from any thread -------------------------------------------------------------

    def stop(self) -> None:
        """Stop after the current group of batches; the model is saved, the run `stopped`."""
        self._stop_event.set()
        self._resume_event.set()  # a paused session must wake up to stop

    def pause(self) -> None:
        self._resume_event.clear()

    def resume(self) -> None:
        self._resume_event.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_event.is_set()

    @property
    def paused(self) -> bool:
        return not self._resume_event.is_set()

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Train, blocking until finished, stopped or failed. Never raises for training errors:
        the result (and run.json, and the observer) say what happened."""
        if self._started:
            raise RuntimeError("a TrainingSession runs once; create a new one for another run")
        self._started = True
        self._clock_start = time.perf_counter()
        self._progress = _Progress()
        try:
            if self._resume_target is not None:
                self.run_handle = self._resume_target
                self._reopen_run()
            else:
                self.run_handle = self.runs.create(self.config.model, self.config.dataset)
                self.run_handle.write_record(self._initial_record())
        except OSError as error:
            reason = f"cannot write the run folder: {error}"
            return self._finish("failed", reason, record=False)

        try:
            with _forgetting_custom_gradients():
                self._train()
        except _StopRequested:
            return self._finish("stopped", None, save=True)
        except KeyboardInterrupt:
            return self._finish("stopped", "interrupted", save=True)
        except _LossNotFinite as error:
            return self._finish("failed", str(error))
        except Exception as error:  # the reason must never be lost, whatever it is
            return self._finish("failed", self._describe_failure(error))
        return self._finish("finished", None, save=True)

    def _describe_failure(self, error: BaseException) -> str:
        import tensorflow as tf

        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        out_of_memory = re.search(r"\bOOM\b|out of memory", str(error), re.IGNORECASE)
        if isinstance(error, tf.errors.ResourceExhaustedError) or out_of_memory:
            smaller = max(1, self.config.batch_size // 2)
            return (
                f"out of memory with batch size {self.config.batch_size} on "
                f"{getattr(self, '_device_name', self.config.device)}; try a smaller batch size "
                f"(--batch-size {smaller}) or a smaller model"
            )
        return f"{type(error).__name__}: {text}" if text else type(error).__name__

    def _initial_record(self) -> dict[str, Any]:
        return {
            "status": "running",
            "reason": None,
            "name": None,
            "tags": [],
            "config": self.config.to_dict(),
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

    def _reopen_run(self) -> None:
        """Mark a resumed run as running again, by this process; counters come from run.json
        until the checkpoint (in `_restore`) says exactly where training continues."""
        run = self.run_handle
        record = run.reload()
        progress = self._progress
        progress.epochs_completed = int(record.get("epochs_completed", 0) or 0)
        progress.best = dict(record.get("best") or {})
        progress.last = dict(record.get("last") or {})
        self._elapsed_offset = float(record.get("elapsed_seconds", 0.0) or 0.0)
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
            config=self.config.to_dict(),
            host=platform.node(),
            pid=os.getpid(),
            process=process_identity(),
            versions=software_versions(),
            resumes=resumes,
        )
        run.log(f"resuming ({previous} after {progress.epochs_completed} epochs)")

    def elapsed_seconds(self) -> float:
        """Training time of the whole run: earlier sessions (resume) plus this one."""
        return self._elapsed_offset + (time.perf_counter() - self._clock_start)

    def _train(self) -> None:
        import keras
        import tensorflow as tf

        from cnnstudio.engine.datasets import load_dataset
        from cnnstudio.engine.devices import resolve_device
        from cnnstudio.models import create_model, get_model_info

        config = self.config
        # Old models, graphs and name counters of earlier runs in this thread go now, so that
        # many runs in one process do not grow memory.
        keras.backend.clear_session()
        gc.collect()
        keras.utils.set_random_seed(config.seed)

        device = resolve_device(config.device)
        self._device_name = device.name
        self.run_handle.update_record(device=device.name)
        dataset = self._dataset or load_dataset(
            config.dataset, validation_fraction=config.validation_fraction, seed=config.seed
        )
        data_info = dataset.info
        model_info = get_model_info(config.model)
        input_shape = choose_input_shape(model_info.min_input, tuple(data_info.image_shape))

        with tf.device(device.tf_name):
            model = create_model(
                config.model, input_shape, data_info.num_classes, **config.model_options
            )
            if len(model.outputs) > 1:
                # Auxiliary heads (Inception) are not trained here: the main output is first.
                model = keras.Model(model.inputs, model.outputs[0], name=model.name)
            self.model = model
            if self._resume_target is not None:
                # Where the run continues decides the data seed (see the module docstring).
                self.initial_epoch = self._peek_checkpoint_epoch()
            train_data, validation_data, steps_per_epoch, train_images = self._pipelines(
                dataset, input_shape
            )
            if config.standardize:
                model = with_input_standardization(model, train_data)
                self.model = model
            # What fit trains: `model` itself, or `model` behind the augmentation layer (the
            # same weights; `model` stays the one saved and exported).
            trainer = model
            augment = DEFAULT_AUGMENTATION.for_dataset(data_info)
            if config.augment and not augment.is_identity:
                trainer = with_training_augmentation(model, augment, seed=config.seed)
            self.trainer = trainer
            recorded = (
                self.run_handle.record.get("steps_per_execution")
                if self._resume_target is not None
                else None
            )
            steps_per_execution = (
                config.steps_per_execution
                or (recorded if isinstance(recorded, int) else 0)
                or self._auto_steps_per_execution(model, train_data, steps_per_epoch)
            )
            smoothing = config.label_smoothing > 0
            trainer.compile(
                optimizer=self._optimizer(steps_per_epoch),
                loss=(
                    keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing)
                    if smoothing
                    else keras.losses.SparseCategoricalCrossentropy()
                ),
                metrics=[
                    keras.metrics.CategoricalAccuracy(name="accuracy")
                    if smoothing
                    else keras.metrics.SparseCategoricalAccuracy(name="accuracy")
                ],
                steps_per_execution=steps_per_execution,
                # On the CPU (oneDNN), XLA made LeNet-5 at batch 256 slower (11,000 against
                # 18,000 images/s on 2 cores) and costs a compile per run; on a GPU Keras
                # decides.
                jit_compile="auto" if device.is_gpu else False,
            )

            if self._resume_target is not None:
                self.initial_epoch = self._restore(trainer)
            trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
            self.run_handle.update_record(
                model={
                    "name": model_info.name,
                    "display_name": model_info.display_name,
                    "input_shape": list(input_shape),
                    "num_classes": data_info.num_classes,
                    "params": model.count_params(),
                    "trainable_params": int(trainable),
                },
                dataset={
                    "name": data_info.name,
                    "train_size": len(dataset.train.labels),
                    "validation_size": len(dataset.validation.labels),
                    "class_names": list(data_info.class_names),
                    # What `predict` and exports fit new images from, as training did.
                    "image_shape": list(data_info.image_shape),
                },
                steps_per_epoch=steps_per_epoch,
                steps_per_execution=steps_per_execution,
            )
            self._emit(
                RunStarted(
                    run_id=self.run_handle.id,
                    run_dir=str(self.run_handle.path),
                    model=model_info.name,
                    model_display_name=model_info.display_name,
                    dataset=data_info.name,
                    input_shape=input_shape,
                    num_classes=data_info.num_classes,
                    params=model.count_params(),
                    trainable_params=int(trainable),
                    device=device.name,
                    epochs=config.epochs,
                    steps_per_epoch=steps_per_epoch,
                    batch_size=config.batch_size,
                    steps_per_execution=steps_per_execution,
                    train_size=len(dataset.train.labels),
                    validation_size=len(dataset.validation.labels),
                    initial_epoch=self.initial_epoch,
                )
            )

            hooks = _SessionHooks(self, steps_per_epoch, train_images)
            callbacks: list[keras.callbacks.Callback] = [hooks]
            self._early_stopping = None
            if config.early_stopping:
                self._early_stopping = keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=config.early_stopping,
                    restore_best_weights=True,
                )
                callbacks.append(self._early_stopping)
            self._plateau = None
            if config.schedule == "plateau":
                self._plateau = keras.callbacks.ReduceLROnPlateau(
                    monitor="val_loss",
                    factor=PLATEAU_FACTOR,
                    patience=PLATEAU_PATIENCE,
                    min_lr=config.learning_rate * 1e-3,
                )
                callbacks.append(self._plateau)
            # Last: a checkpoint holds what early stopping and the plateau made of the epoch.
            callbacks.append(_Checkpointer(self, hooks))
            self._scalars = _EpochScalars(self)
            callbacks.append(self._scalars)
            trainer.fit(
                train_data,
                validation_data=validation_data,
                epochs=config.epochs,
                # Given, not left to Keras: without them its epoch iterator makes each epoch's
                # iterator twice, for training and for validation (~4 ms each, 4-6% of an
                # epoch of LeNet-5 on mnist-5k); with them it keeps the one it made ahead.
                steps_per_epoch=steps_per_epoch,
                validation_steps=_known_length(validation_data),
                initial_epoch=self.initial_epoch,
                callbacks=callbacks,
                verbose=0,
                shuffle=False,  # the pipeline shuffles
            )

    # -- checkpoints and resume ---------------------------------------------------------------

    def checkpoint_store(self) -> CheckpointStore:
        run = self.run_handle
        return CheckpointStore(run.checkpoints_dir, keep=self.config.keep_checkpoints, warn=run.log)

    def _peek_checkpoint_epoch(self) -> int:
        checkpoint = self.checkpoint_store().latest_good()
        return checkpoint.epoch if checkpoint is not None else 0

    def _restore(self, model: keras.Model) -> int:
        """Load the newest good checkpoint into the compiled `model`; put progress, history and
        callback state back where it left off. Returns the epoch training continues after."""
        from cnnstudio.engine.checkpoints import restore

        run = self.run_handle
        store = self.checkpoint_store()
        leftovers = store.clean_temporaries()
        if leftovers:
            run.log(
                f"WARNING: removed {len(leftovers)} temporary file(s) left by a write that "
                f"did not finish: {', '.join(sorted(leftovers))}"
            )
        checkpoint = store.latest_good()
        progress = self._progress
        if checkpoint is None:
            run.log("no usable checkpoint: training starts again from epoch 1")
            store.discard_after(0)
            progress.epochs_completed, progress.best, progress.last = 0, {}, {}
            progress.step, progress.epoch_entries = 0, []
            self._elapsed_offset = 0.0
            run.rewrite_history([])
            return 0
        manifest = checkpoint.manifest
        callbacks_state = manifest.get("callbacks") or {}
        stopping = callbacks_state.get("early_stopping") or {}
        best_weights = None
        if self.config.early_stopping and stopping.get("best_epoch") is not None:
            # Early stopping restores its best weights at the end: that epoch's checkpoint is
            # pinned (never pruned) for this moment.
            best_epoch = int(stopping["best_epoch"]) + 1
            if best_epoch != checkpoint.epoch:
                try:
                    restore(model, store.verify(best_epoch))
                    best_weights = model.get_weights()
                except (CheckpointError, ValueError) as error:
                    run.log(
                        f"WARNING: early stopping's best weights are lost ({error}); it "
                        f"will keep the last weights instead"
                    )
        restore(model, checkpoint)
        store.discard_after(checkpoint.epoch)
        self._callback_state = dict(callbacks_state)
        if best_weights is not None:
            self._callback_state["early_stopping_weights"] = best_weights

        epoch = checkpoint.epoch
        progress.epochs_completed = epoch
        progress.best = dict(manifest.get("best") or {})
        progress.last = dict(manifest.get("last") or {})
        progress.step = int(manifest.get("step", 0) or 0)
        progress.epoch_entries = list(manifest.get("epochs") or [])
        self._elapsed_offset = float(manifest.get("elapsed_seconds", 0.0) or 0.0)
        run.rewrite_history(_history_up_to(run.history(), epoch, progress.epoch_entries))
        run.update_record(
            epochs_completed=epoch,
            best=progress.best,
            last=progress.last,
            elapsed_seconds=round(self._elapsed_offset, 3),
        )
        run.log(f"resumed from the checkpoint of epoch {epoch} ({checkpoint.data_path.name})")
        return epoch

    def _checkpoint_state(self, hooks: Any) -> dict[str, Any]:
        """Everything besides the model that a resume needs, as plain JSON values."""
        progress = self._progress
        state: dict[str, Any] = {
            "step": progress.step,
            "best": progress.best,
            "last": progress.last,
            "epochs": progress.epoch_entries,
            "elapsed_seconds": round(self.elapsed_seconds(), 3),
            "learning_rate": float(self.trainer.optimizer.learning_rate),
            "iterations": int(self.trainer.optimizer.iterations),
            "rng": {"seed": self.config.seed, "data_seed": self.config.seed + self.initial_epoch},
            "callbacks": {},
        }
        stopping = getattr(self, "_early_stopping", None)
        if stopping is not None:
            has_best = stopping.best_weights is not None
            state["callbacks"]["early_stopping"] = {
                "wait": int(stopping.wait),
                "best": _plain(stopping.best),
                "best_epoch": int(stopping.best_epoch) if has_best else None,
            }
            if has_best:
                state["pinned"] = [int(stopping.best_epoch) + 1]
        plateau = getattr(self, "_plateau", None)
        if plateau is not None:
            state["callbacks"]["plateau"] = {
                "wait": int(plateau.wait),
                "best": _plain(plateau.best),
                "cooldown_counter": int(plateau.cooldown_counter),
            }
        return state

    def _restore_callback_state(self) -> None:
        """Called after the callbacks' own `on_train_begin` (which resets them)."""
        state = getattr(self, "_callback_state", None)
        if not state:
            return
        stopping = getattr(self, "_early_stopping", None)
        saved = state.get("early_stopping")
        if stopping is not None and saved:
            stopping.wait = int(saved.get("wait", 0))
            if saved.get("best") is not None:
                stopping.best = float(saved["best"])
            if saved.get("best_epoch") is not None:
                stopping.best_epoch = int(saved["best_epoch"])
                weights = state.get("early_stopping_weights")
                stopping.best_weights = (
                    weights if weights is not None else self.trainer.get_weights()
                )
        plateau = getattr(self, "_plateau", None)
        saved = state.get("plateau")
        if plateau is not None and saved:
            plateau.wait = int(saved.get("wait", 0))
            plateau.cooldown_counter = int(saved.get("cooldown_counter", 0))
            if saved.get("best") is not None:
                plateau.best = float(saved["best"])

    def _pipelines(self, dataset: Any, input_shape: tuple[int, int, int]):
        """Training and validation `tf.data` pipelines, limited and one-hot encoded as asked."""
        import tensorflow as tf

        from cnnstudio.engine.pipeline import make_pipeline

        config = self.config
        # Not augmented here: the augmentation is the first layer of the model fit trains.
        train = make_pipeline(
            dataset.train,
            input_shape=input_shape,
            batch_size=config.batch_size,
            training=True,
            seed=config.seed + self.initial_epoch,
        )
        validation = make_pipeline(
            dataset.validation,
            input_shape=input_shape,
            batch_size=config.batch_size,
            training=False,
            seed=config.seed,
        )
        train_size = len(dataset.train.labels)
        steps_per_epoch = math.ceil(train_size / config.batch_size)
        train_images = train_size
        if config.limit_batches and config.limit_batches < steps_per_epoch:
            steps_per_epoch = config.limit_batches
            train_images = steps_per_epoch * config.batch_size
            train = train.take(config.limit_batches)
            validation = validation.take(config.limit_batches)
        if config.label_smoothing > 0:
            classes = dataset.info.num_classes

            def one_hot(images, labels):
                return images, tf.one_hot(labels, classes)

            train = train.map(one_hot, num_parallel_calls=tf.data.AUTOTUNE)
            validation = validation.map(one_hot, num_parallel_calls=tf.data.AUTOTUNE)
        return train, validation, steps_per_epoch, train_images

    def _optimizer(self, steps_per_epoch: int) -> keras.optimizers.Optimizer:
        import keras

        config = self.config
        total_steps = max(1, steps_per_epoch * config.epochs)
        rate: Any = config.learning_rate
        if config.schedule == "cosine":
            rate = keras.optimizers.schedules.CosineDecay(config.learning_rate, total_steps)
        elif config.schedule == "step":
            rate = keras.optimizers.schedules.PiecewiseConstantDecay(
                [max(1, total_steps // 2), max(2, total_steps * 3 // 4)],
                [config.learning_rate, config.learning_rate * 0.1, config.learning_rate * 0.01],
            )
        decay = config.weight_decay or None
        if config.optimizer == "sgd":
            return keras.optimizers.SGD(rate, momentum=config.momentum, weight_decay=decay)
        if config.optimizer == "rmsprop":
            return keras.optimizers.RMSprop(rate, momentum=config.momentum, weight_decay=decay)
        if config.optimizer == "adamw":
            return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
        return keras.optimizers.Adam(rate, weight_decay=decay)

    def _auto_steps_per_execution(self, model: Any, train_data: Any, steps_per_epoch: int) -> int:
        """Batches per call so that the hook fires about EVENTS_PER_SECOND times a second.

        Times a compiled forward pass on one real batch; a training step costs about three.
        """
        import tensorflow as tf

        images, _ = next(iter(train_data.take(1)))
        forward = tf.function(lambda x: model(x, training=False), jit_compile=False)
        forward(images).numpy()  # trace and warm up
        # The fastest of a few passes: other processes on a busy machine only ever add time.
        fastest = math.inf
        for _ in range(5):
            begin = time.perf_counter()
            forward(images).numpy()
            fastest = min(fastest, time.perf_counter() - begin)
        step_seconds = STEP_COST_IN_FORWARD_PASSES * fastest
        self.calibrated_step_seconds = step_seconds
        wanted = int((1.0 / EVENTS_PER_SECOND) / max(step_seconds, 1e-6))
        return max(1, min(wanted, MAX_STEPS_PER_EXECUTION, steps_per_epoch))

    # -- reporting ----------------------------------------------------------------------------

    def _emit(self, event: TrainingEvent) -> None:
        self.observer.on_event(event)

    def _finish(
        self, status: str, reason: str | None, *, save: bool = False, record: bool = True
    ) -> RunResult:
        progress = self._progress
        run = self.run_handle
        elapsed = self.elapsed_seconds()
        early_stopped = bool(
            status == "finished"
            and getattr(self, "_early_stopping", None) is not None
            and self._early_stopping.stopped_epoch > 0
        )
        scalars = getattr(self, "_scalars", None)
        if scalars is not None:  # fit does not end its callbacks when it raises
            with contextlib.suppress(Exception):
                scalars.close()
        if run is not None and record:
            try:
                run.append_history(progress.take_pending())
                if save and self.model is not None:
                    run.save_model(self.model)
            except Exception as error:  # a failed save must show, not hide the status
                status, reason = "failed", f"could not save the model: {error}"
            run.update_record(
                status=status,
                reason=reason,
                finished=now_iso(),
                elapsed_seconds=round(elapsed, 3),
                epochs_completed=progress.epochs_completed,
                best=progress.best,
                last=progress.last,
                early_stopped=early_stopped,
            )
        run_dir = str(run.path) if run is not None else None
        self.result = RunResult(
            status=status,
            reason=reason,
            run_dir=run_dir,
            run_id=run.id if run is not None else None,
            epochs_completed=progress.epochs_completed,
            best=dict(progress.best),
            last=dict(progress.last),
            elapsed_seconds=elapsed,
            early_stopped=early_stopped,
        )
        if status == "finished":
            final: TrainingEvent = RunFinished(
                run_dir or "",
                progress.epochs_completed,
                dict(progress.best),
                elapsed,
                early_stopped,
            )
        elif status == "stopped":
            final = RunStopped(
                run_dir or "", progress.epochs_completed, dict(progress.best), elapsed
            )
        else:
            final = RunFailed(
                run_dir, reason or "unknown error", progress.epochs_completed, elapsed
            )
        # The run is over and recorded; a broken observer cannot change that.
        with contextlib.suppress(Exception):
            self._emit(final)
        return self.result


class _Progress:
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


@functools.cache
def _make_hooks_class():
    """Build the Keras callback class lazily, so importing this module does not import Keras."""
    import keras

    class SessionHooks(keras.callbacks.Callback):
        """Bridges Keras's fit loop to the session: events, history, stop, pause, NaN."""

        def __init__(self, session: TrainingSession, steps_per_epoch: int, train_images: int):
            super().__init__()
            self.session = session
            self.steps_per_epoch = steps_per_epoch
            self.train_images = train_images
            self.batch_size = session.config.batch_size
            self.epochs = session.config.epochs
            self.progress = session._progress
            self.step = self.progress.step  # a resumed run counts on

        # Stop and pause are honoured before a group starts and after it ends.
        def _check_controls(self) -> None:
            session = self.session
            if not session._resume_event.is_set():
                paused_at = time.perf_counter()
                session._resume_event.wait()  # sleeps; stop() also wakes it
                self.paused_seconds += time.perf_counter() - paused_at
            if session._stop_event.is_set():
                raise _StopRequested

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
            done = batch + 1  # Keras gives the 0-based index of the group's last batch
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
                raise _LossNotFinite(
                    f"loss became {what} at epoch {self.current_epoch} batch {done}"
                )
            self.session._emit(event)
            self._check_controls()

        def on_test_batch_end(self, batch, logs=None):
            # Overridden so Keras runs validation hooks in this thread: no executor threads
            # are left behind when a stop leaves `fit` early.
            pass

        @property
        def current_epoch(self) -> int:
            return self._epoch + 1

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            now = time.perf_counter()
            metrics = {key: float(value) for key, value in logs.items() if key != "learning_rate"}
            epoch_seconds = (
                now - self.epoch_start - (self.paused_seconds - self.paused_at_epoch_start)
            )
            self.epoch_durations.append(epoch_seconds)
            remaining = self.epochs - (epoch + 1)
            eta = remaining * (sum(self.epoch_durations) / len(self.epoch_durations))
            optimizer = self.model.optimizer
            learning_rate = float(optimizer.learning_rate)
            progress = self.progress
            validation_accuracy = metrics.get("val_accuracy", math.nan)
            best_so_far = progress.best.get("val_accuracy", -math.inf)
            is_best = validation_accuracy > best_so_far
            if is_best:
                progress.best = {"epoch": epoch + 1, **metrics}
            progress.last = dict(metrics)
            progress.epochs_completed = epoch + 1
            elapsed = self.session.elapsed_seconds()
            ips = self.train_images / self.train_seconds if self.train_seconds > 0 else 0.0
            entry = {
                "kind": "epoch",
                "epoch": epoch + 1,
                "step": self.step,
                "metrics": metrics,
                "learning_rate": learning_rate,
                "epoch_seconds": round(epoch_seconds, 4),
                "elapsed_seconds": round(elapsed, 3),
                "images_per_second": round(ips, 1),
            }
            progress.pending.append(entry)
            progress.epoch_entries.append(entry)
            run = self.session.run_handle
            run.append_history(progress.take_pending())
            run.update_record(
                epochs_completed=progress.epochs_completed,
                best=progress.best,
                last=progress.last,
                elapsed_seconds=round(elapsed, 3),
            )
            if not math.isfinite(metrics.get("loss", 0.0)):
                what = "NaN" if math.isnan(metrics["loss"]) else "infinite"
                raise _LossNotFinite(
                    f"loss became {what} at epoch {epoch + 1} batch {self.batches_done}"
                )
            self.session._emit(
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

    class Checkpointer(keras.callbacks.Callback):
        """Writes the checkpoint of each completed epoch; runs after every other callback."""

        def __init__(self, session: TrainingSession, hooks: Any):
            super().__init__()
            self.session = session
            self.hooks = hooks
            self.seconds: list[float] = []

        def on_train_begin(self, logs=None):
            self.session._restore_callback_state()

        def on_epoch_end(self, epoch, logs=None):
            session = self.session
            run = session.run_handle
            begin = time.perf_counter()
            try:
                checkpoint = session.checkpoint_store().save(
                    session.trainer, epoch + 1, session._checkpoint_state(self.hooks)
                )
            except OSError as error:
                raise OSError(
                    f"could not write the checkpoint of epoch {epoch + 1}: {error}"
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
            if self.failed:
                return
            try:
                self._write(epoch + 1, dict(logs or {}))
            except Exception as error:
                self.failed = True
                self.session.run_handle.log(f"WARNING: TensorBoard logs stopped: {error}")

        def _write(self, epoch: int, logs: dict[str, Any]) -> None:
            import tensorflow as tf
            from tensorflow.core.framework import summary_pb2

            if self.writer is None:
                folder = self.session.run_handle.path / LOGS_DIR
                self.writer = tf.summary.create_file_writer(str(folder))
            logs.setdefault("learning_rate", float(self.session.trainer.optimizer.learning_rate))
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
            self.close()

    return SessionHooks, Checkpointer, EpochScalars


def _SessionHooks(session: TrainingSession, steps_per_epoch: int, train_images: int):
    return _make_hooks_class()[0](session, steps_per_epoch, train_images)


def _Checkpointer(session: TrainingSession, hooks: Any):
    return _make_hooks_class()[1](session, hooks)


def _EpochScalars(session: TrainingSession):
    return _make_hooks_class()[2](session)


def _known_length(dataset: Any) -> int | None:
    """The number of batches of a finite `tf.data` pipeline, or None where TF cannot tell."""
    batches = int(dataset.cardinality())
    return batches if batches >= 0 else None


def _plain(value: Any) -> float | None:
    """A callback's `best` (a float, or a NumPy/tensor scalar) as JSON; infinities as None."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _history_up_to(
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
