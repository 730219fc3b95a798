"""Training throughput and memory: LeNet-5 on mnist-5k in this process (see `benchmarks`)."""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import sys
import time

from benchmarks import Check, benchmark


def resident_memory_bytes() -> int:
    """Current resident set size: /proc/self/statm on Linux, the peak elsewhere."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


# -- training throughput ----------------------------------------------------------------------


def _epoch_timer():
    """A Keras callback that records the wall time of each epoch (training + validation)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        # Only epoch hooks: Keras keeps dispatching batch hooks asynchronously.
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_train_begin(self, logs=None):
            self.last_end = None

        def on_epoch_begin(self, epoch, logs=None):
            if self.last_end is None:
                self.last_end = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.seconds.append(now - self.last_end)
            self.last_end = now

    return EpochTimer()


def _padded_arrays(split, size: int):
    """What a user writes: uint8 digits -> float32 in [0, 1], zero-padded to size x size."""
    import numpy as np

    images = split.images.astype("float32") / 255.0
    pad_h = size - images.shape[1]
    pad_w = size - images.shape[2]
    images = np.pad(
        images, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0))
    )
    return images, split.labels


class _PlainKeras:
    """(a): the Keras docs' way; (a256) the same script at batch 256 with
    `steps_per_execution=16`, as the plain script of `benchmarks/peers/keras_lenet.py`."""

    def __init__(
        self, dataset, input_shape, epochs_per_cycle: int, batch_size: int = 32, group: int = 1
    ) -> None:
        import keras

        from cnnstudio.models import create_model

        keras.utils.set_random_seed(0)
        self.x, self.y = _padded_arrays(dataset.train, input_shape[0])
        self.validation = _padded_arrays(dataset.validation, input_shape[0])
        self.batch_size = batch_size
        self.model = create_model("lenet5", input_shape, dataset.info.num_classes)
        self.model.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=group,
        )
        self.epochs_per_cycle = epochs_per_cycle
        self.timer = _epoch_timer()
        self.fit(1)  # warm-up: tracing
        self.timer.seconds.clear()

    def fit(self, epochs: int) -> None:
        self.model.fit(
            self.x,
            self.y,
            epochs=epochs,
            batch_size=self.batch_size,
            validation_data=self.validation,
            callbacks=[self.timer],
            verbose=0,
        )

    def cycle(self) -> None:
        self.fit(self.epochs_per_cycle)


class _TunedKeras(_PlainKeras):
    """(b): what an expert writes by hand for the engine's default recipe, in plain Keras.

    The same work as the engine does: its batch size and group size, its optimizer and schedule,
    the same augmentation layers (when the defaults augment) and a Normalization layer adapted to
    the training images in front of the model (when they standardise); data from NumPy through a
    cached, shuffled, prefetched `tf.data` pipeline.
    """

    placement = "model"

    def __init__(
        self,
        dataset,
        input_shape,
        epochs_per_cycle: int,
        defaults,
        steps_per_execution: int,
        jit_compile: bool,
    ) -> None:
        import keras
        import tensorflow as tf

        from cnnstudio.engine.training.recipe import DEFAULT_AUGMENTATION
        from cnnstudio.models import create_model

        keras.utils.set_random_seed(0)
        x, y = _padded_arrays(dataset.train, input_shape[0])
        val_x, val_y = _padded_arrays(dataset.validation, input_shape[0])
        batch_size = defaults.batch_size
        # The engine's own amounts, written out as a user would with Keras's layers.
        amounts = DEFAULT_AUGMENTATION.for_dataset(dataset.info)
        augment = keras.Sequential(
            [
                keras.layers.RandomTranslation(amounts.shift, amounts.shift, fill_mode="constant"),
                keras.layers.RandomRotation(amounts.rotation / 360, fill_mode="constant"),
                keras.layers.RandomZoom(amounts.zoom, fill_mode="constant"),
            ],
            name="augmentation",
        )
        train = tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(len(y)).batch(batch_size)
        if defaults.augment and self.placement == "pipeline":
            train = train.map(
                lambda images, labels: (augment(images, training=True), labels),
                num_parallel_calls=tf.data.AUTOTUNE,
            )
        self.train = train.prefetch(tf.data.AUTOTUNE)
        self.val = (
            tf.data.Dataset.from_tensor_slices((val_x, val_y))
            .batch(batch_size)
            .cache()
            .prefetch(tf.data.AUTOTUNE)
        )
        model = create_model("lenet5", input_shape, dataset.info.num_classes)
        inputs = keras.Input(input_shape)
        features = inputs
        if defaults.augment and self.placement == "model":
            features = augment(features)  # active in training only
        if defaults.standardize:
            normalization = keras.layers.Normalization()
            normalization.adapt(x)
            features = normalization(features)
        self.model = keras.Model(inputs, model(features))
        steps = math.ceil(len(y) / batch_size) * 1000
        rate = (
            keras.optimizers.schedules.CosineDecay(defaults.learning_rate, steps)
            if defaults.schedule == "cosine"
            else defaults.learning_rate
        )
        self.model.compile(
            optimizer=keras.optimizers.Adam(rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=steps_per_execution,
            jit_compile=jit_compile,
        )
        self.epochs_per_cycle = epochs_per_cycle
        self.timer = _epoch_timer()
        self.fit(1)
        self.timer.seconds.clear()

    def fit(self, epochs: int) -> None:
        self.model.fit(
            self.train, epochs=epochs, validation_data=self.val, callbacks=[self.timer], verbose=0
        )


def _engine_run(epochs: int, **changes):
    """(c): one TrainingSession; returns (observer, session, seconds between epoch ends)."""
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.events import EpochEnd, RecordingObserver
    from cnnstudio.engine.training.session import TrainingSession

    class EpochEndClock(RecordingObserver):
        # Receives every event, as the CLI's and GUI's observers do, and stamps epoch ends.
        def __init__(self) -> None:
            super().__init__()
            self.epoch_ends: list[float] = []

        def on_event(self, event) -> None:
            if isinstance(event, EpochEnd):
                self.epoch_ends.append(time.perf_counter())
            super().on_event(event)

    observer = EpochEndClock()
    session = TrainingSession(TrainingConfig(epochs=epochs, **changes), observer)
    result = session.run()
    if result.status != "finished":
        raise RuntimeError(f"engine run {result.status}: {result.reason}")
    # From one epoch's end to the next: the engine's whole per-epoch cost (its checkpoint,
    # history and TensorBoard writes included), the first epoch being the warm-up.
    ends = observer.epoch_ends
    return observer, session, [later - earlier for earlier, later in itertools.pairwise(ends)]


@benchmark("training")
def training_throughput(args: argparse.Namespace) -> list[Check]:
    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.events import RunStarted
    from cnnstudio.engine.training.recipe import choose_input_shape
    from cnnstudio.models import get_model_info

    defaults = TrainingConfig()
    dataset = load_dataset(defaults.dataset)
    input_shape = choose_input_shape(
        get_model_info("lenet5").min_input, tuple(dataset.info.image_shape)
    )
    train_images = len(dataset.train.labels)
    epochs = args.epochs

    # The engine first, to learn the group size it picks on this machine.
    observer, session, engine_seconds = _engine_run(1 + epochs)
    started = observer.of_type(RunStarted)[0]
    del observer, session

    plain = _PlainKeras(dataset, input_shape, epochs)
    plain256 = _PlainKeras(dataset, input_shape, epochs, batch_size=256, group=16)
    tuned = _TunedKeras(
        dataset,
        input_shape,
        epochs,
        defaults,
        started.steps_per_execution,
        jit_compile=started.device != "cpu",
    )
    for cycle in range(args.cycles):
        plain.cycle()
        plain256.cycle()
        tuned.cycle()
        if cycle:  # the first cycle's engine run happened above
            engine_seconds += _engine_run(1 + epochs)[2]

    def throughput(seconds: list[float]) -> float:
        return train_images / min(seconds)

    a, a256, b, c = (
        throughput(plain.timer.seconds),
        throughput(plain256.timer.seconds),
        throughput(tuned.timer.seconds),
        throughput(engine_seconds),
    )
    print(
        f"training: LeNet-5 on {dataset.info.name} ({train_images:,} training / "
        f"{len(dataset.validation.labels):,} validation images at "
        f"{'x'.join(map(str, input_shape))}), device {started.device}; fastest of "
        f"{len(engine_seconds)} epochs each, validation included"
    )
    xla = "XLA on" if plain.model.jit_compile else "XLA off"
    print(f"  (a) plain Keras script, NumPy arrays, batch 32 ({xla}) {a:>9,.0f} img/s")
    print(f"  (a256) the same script, batch 256, steps_per_execution 16  {a256:>7,.0f} img/s")
    recipe = ", augmented" if defaults.augment else ""
    print(
        f"  (b) hand-tuned Keras, tf.data, batch {defaults.batch_size}{recipe}, "
        f"steps_per_execution {started.steps_per_execution:<3} {b:>7,.0f} img/s"
    )
    print(f"  (c) cnnstudio TrainingSession with an observer        {c:>10,.0f} img/s")
    return [
        Check("c/a: engine vs plain Keras script", c / a, ">= 2.00", c / a >= 2.0),
        # Not a target: the engine augments (by default) and the script does not.
        Check("c/a256: engine vs plain script, batch 256", c / a256, "report", True),
        Check("c/b: engine vs hand-tuned Keras", c / b, ">= 0.95", c / b >= 0.95),
    ]


@benchmark("memory")
def memory_growth(args: argparse.Namespace) -> list[Check]:
    runs = args.memory_runs
    # Short runs: one epoch of 5 batches each; the session clears Keras's state itself.
    _engine_run(1, limit_batches=5)
    gc.collect()
    baseline = resident_memory_bytes()
    for _ in range(runs - 1):
        _engine_run(1, limit_batches=5)
    gc.collect()
    growth_mb = (resident_memory_bytes() - baseline) / 2**20
    print(
        f"memory: {runs} training runs one after another in one process; resident memory "
        f"after the first {baseline / 2**20:,.0f} MB, growth over the next {runs - 1}: "
        f"{growth_mb:+,.1f} MB"
    )
    return [Check(f"RSS growth over {runs} runs", growth_mb, "< 200 MB", growth_mb < 200, " MB")]
