"""The training recipe: how a config becomes a model to train, its data, optimizer and loss.

How it stays fast (see `benchmarks/training.py`): the data comes from a cached, prefetched `tf.data`
pipeline; augmentation is the first layer of the model being trained (one resampling per image, in
the training step, where it does not compete with it for the CPU cores); Keras runs
`steps_per_execution` batches per call into TensorFlow, so the per-call cost (about 1 ms on a CPU)
is paid once per group instead of once per batch, and our batch hook, which makes Keras wait for the
numbers, fires once per group too. The group size is chosen so that the hook fires about
`EVENTS_PER_SECOND` times a second (measured on a compiled forward pass), never more than
`MAX_STEPS_PER_EXECUTION`, and split evenly over the epoch (16 batches: 2 groups of 8, not 12
and 4). Each group costs more than its call: on a busy 2-core machine LeNet-5's epoch on
mnist-5k took 1.21-1.36 s in groups of 4 and 0.67-0.88 s in groups of 16 (two rounds each,
median epoch), so the hook fires 4 times a second, enough for live charts, not 12. XLA and mixed
precision are chosen by `precision` (off on the CPU, where XLA made LeNet-5 slower, and so did
mixed_bfloat16 on an AVX512_BF16 CPU: median epoch 1.41/1.15 s against 0.99/0.86 s in float32).

Standardisation (`with_input_standardization`) is the trained model's first layer: a Keras
`Normalization` adapted to the training images' per-channel mean and variance. The pipeline's
[0, 1] images (zeros as the background, which augmentation fills with) go in, zero-mean
unit-variance ones reach the first convolution, as LeCun et al. (1998) prepared LeNet-5's inputs.
Because the statistics live in the model, every export, `predict` and the drawing pad feed the
same [0, 1] images and get the same answers without knowing them.

Keras and TensorFlow are imported inside the functions: importing this module stays cheap.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnstudio.engine.data.data_types import Augmentation, Dataset
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.i18n import _

# The one rule for a data set's model input (re-exported: the session and the bench use it here).
from cnnstudio.model_metadata import choose_input_shape as choose_input_shape

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

EVENTS_PER_SECOND = 4
MAX_STEPS_PER_EXECUTION = 32
# A training step (forward + backward + update) costs about three forward passes.
STEP_COST_IN_FORWARD_PASSES = 3.0
# On a plateau the learning rate halves after this many epochs without a better val_loss.
PLATEAU_PATIENCE = 2
PLATEAU_FACTOR = 0.5
# `augment=True`: small shifts, rotations and zooms, plus flips where the data set allows them.
DEFAULT_AUGMENTATION = Augmentation(shift=0.1, rotation=10.0, zoom=0.1, flip=True)
# Batches read to estimate the per-channel mean and variance: 64 x 256 images is plenty.
STANDARDIZATION_BATCHES = 64
STANDARDIZATION_LAYER = "input_standardization"
AUGMENTATION_LAYER = "training_augmentation"
STROKE_AUGMENTATION_LAYER = "training_stroke_augmentation"


@dataclass
class Pipelines:
    """The run's data: `tf.data` pipelines, how many batches and images an epoch trains, and
    how many images each validation measures."""

    train: tf.data.Dataset
    validation: tf.data.Dataset
    steps_per_epoch: int
    train_images: int
    validation_images: int


# -- the model --------------------------------------------------------------------------------


def build_model(
    config: TrainingConfig,
    input_shape: tuple[int, int, int],
    num_classes: int,
    *,
    policy: str = "float32",
) -> keras.Model:
    """The registered model `config` names, with its main output only; its initial weights
    depend on `config.seed` alone, whatever other threads build meanwhile. Under a mixed
    `policy` its layers compute in float16/bfloat16 except the output (`precision`)."""
    import keras

    from cnnstudio.engine.devices import precision
    from cnnstudio.engine.training.seeding import seeded_build
    from cnnstudio.models import create_model

    def build() -> keras.Model:
        with precision.building_under(policy):
            return create_model(config.model, input_shape, num_classes, **config.model_options)

    model = seeded_build(config.seed, build)
    if len(model.outputs) > 1:
        # Auxiliary heads (Inception) are not trained here: the main output is first.
        model = keras.Model(model.inputs, model.outputs[0], name=model.name)
    return precision.float32_outputs(model)


def augmentation_layer(augment: Augmentation, seed: int = 0) -> keras.layers.Layer:
    """The Keras layer that applies `augment` to batches of training images (one resampling
    for all of it: `cnnstudio.models.augmentation.RandomAffine`), named `AUGMENTATION_LAYER`."""
    from cnnstudio.models.augmentation import RandomAffine

    return RandomAffine(
        shift=augment.shift,
        rotation=augment.rotation,
        zoom=augment.zoom,
        crop=augment.crop,
        flip=augment.flip,
        seed=seed,
        name=AUGMENTATION_LAYER,
    )


def with_training_augmentation(
    model: keras.Model, augment: Augmentation, seed: int = 0
) -> keras.Model:
    """A model to train in place of `model`: the augmentation layer, then `model` whole.

    It shares `model`'s weights, so training it trains `model`, which stays the one to save and
    export. In evaluation the augmentation layer is an identity. Why in the model and not in the
    `tf.data` pipeline: on a CPU, a pipeline map competes for the cores with the training step
    and delays it by more than its own work (LeNet-5 on mnist-5k, 2 cores: 18,000 images/s with
    the map, 21,000 in the model; see `benchmarks/training.py`); on a GPU it runs on the GPU.
    """
    import keras

    from cnnstudio.models.augmentation import RandomStroke

    inputs = keras.Input(shape=model.input_shape[1:], name="images")
    augmented = inputs
    if augment.stroke:  # pen width first, then where the digit lies: as a hand draws it
        stroke = RandomStroke(augment.stroke, seed=seed, name=STROKE_AUGMENTATION_LAYER)
        augmented = stroke(augmented)
    augmented = augmentation_layer(augment, seed)(augmented)
    return keras.Model(inputs, model(augmented), name=f"{model.name}_training")


def with_input_standardization(
    model: keras.Model, train_data: tf.data.Dataset, *, max_batches: int = STANDARDIZATION_BATCHES
) -> keras.Model:
    """`model` behind a `Normalization` layer adapted to the images of `train_data`.

    `train_data` yields (images, labels) batches as `make_pipeline` makes them; at most
    `max_batches` are read. The result takes the same [0, 1] inputs as `model`, keeps its name
    and nests it whole, so its layers keep their names.
    """
    import keras

    normalization = keras.layers.Normalization(axis=-1, name=STANDARDIZATION_LAYER)
    normalization.adapt(train_data.map(lambda images, *_: images).take(max_batches))
    inputs = keras.Input(shape=model.input_shape[1:], name="images")
    return keras.Model(inputs, model(normalization(inputs)), name=model.name)


# -- the data ---------------------------------------------------------------------------------


def training_pipelines(
    config: TrainingConfig,
    dataset: Dataset,
    input_shape: tuple[int, int, int],
    *,
    initial_epoch: int = 0,
) -> Pipelines:
    """Training and validation `tf.data` pipelines, limited and one-hot encoded as asked.

    A resumed run shuffles with `seed + initial_epoch` (see `cnnstudio.engine.training.resume`).
    """
    import tensorflow as tf

    from cnnstudio.engine.data.pipeline import make_pipeline

    if len(dataset.validation.labels) == 0:
        # Keras would only warn that it "ran out of data" and report no validation at all.
        raise ValueError(
            _(
                "data set {name!r} has no validation images, so a run could not "
                "measure anything; give it more images or a larger validation fraction"
            ).format(name=dataset.info.name)
        )
    # Not augmented here: the augmentation is the first layer of the model fit trains.
    train = make_pipeline(
        dataset.train,
        input_shape=input_shape,
        batch_size=config.batch_size,
        training=True,
        seed=config.seed + initial_epoch,
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
    validation_images = len(dataset.validation.labels)
    if config.limit_batches and config.limit_batches < steps_per_epoch:
        steps_per_epoch = config.limit_batches
        train_images = steps_per_epoch * config.batch_size
        train = train.take(config.limit_batches)
        # Not shuffled: every epoch validates on the same first batches of the split.
        validation = validation.take(config.limit_batches)
        validation_images = min(validation_images, config.limit_batches * config.batch_size)
    if config.label_smoothing > 0:
        classes = dataset.info.num_classes

        def one_hot(images, labels):
            return images, tf.one_hot(labels, classes)

        train = train.map(one_hot, num_parallel_calls=tf.data.AUTOTUNE)
        validation = validation.map(one_hot, num_parallel_calls=tf.data.AUTOTUNE)
    return Pipelines(train, validation, steps_per_epoch, train_images, validation_images)


def known_length(dataset: Any) -> int | None:
    """The number of batches of a finite `tf.data` pipeline, or None where TF cannot tell."""
    batches = int(dataset.cardinality())
    return batches if batches >= 0 else None


# -- optimizer, loss, compile -----------------------------------------------------------------


def build_optimizer(
    config: TrainingConfig,
    steps_per_epoch: int,
    schedule_segments: list[list[int]] | None = None,
) -> keras.optimizers.Optimizer:
    """The optimizer `config` names, with its learning-rate schedule over the whole run: over
    `config.epochs`, or over `schedule_segments` where a resume changed the number of epochs
    (see `cnnstudio.engine.training.schedules`)."""
    import keras

    from cnnstudio.engine.training import schedules

    segments = schedule_segments or schedules.initial_segments(config.epochs)
    rate = schedules.learning_rate(config.schedule, config.learning_rate, steps_per_epoch, segments)
    decay = config.weight_decay or None
    if config.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=config.momentum, weight_decay=decay)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(rate, momentum=config.momentum, weight_decay=decay)
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
    return keras.optimizers.Adam(rate, weight_decay=decay)


def compile_trainer(
    trainer: keras.Model,
    config: TrainingConfig,
    *,
    steps_per_epoch: int,
    steps_per_execution: int,
    jit_compile: bool = False,
    policy: str = "float32",
    schedule_segments: list[list[int]] | None = None,
) -> None:
    """Compile what fit trains: optimizer (with loss scaling under mixed_float16), loss (label
    smoothing needs one-hot labels), accuracy; XLA as `precision.choose` decided."""
    import keras

    from cnnstudio.engine.devices.precision import loss_scaled

    smoothing = config.label_smoothing > 0
    optimizer = build_optimizer(config, steps_per_epoch, schedule_segments)
    trainer.compile(
        optimizer=loss_scaled(optimizer, policy),
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
        jit_compile=jit_compile,
    )


def schedule_callbacks(config: TrainingConfig) -> tuple[Any, Any]:
    """Keras's early stopping and plateau schedule as `config` asks for them, or None each."""
    import keras

    early_stopping = None
    if config.early_stopping:
        early_stopping = keras.callbacks.EarlyStopping(
            monitor="val_loss",
            patience=config.early_stopping,
            restore_best_weights=True,
        )
    plateau = None
    if config.schedule == "plateau":
        plateau = keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss",
            factor=PLATEAU_FACTOR,
            patience=PLATEAU_PATIENCE,
            min_lr=config.learning_rate * 1e-3,
        )
    return early_stopping, plateau


# -- steps per execution ----------------------------------------------------------------------


def measure_step_seconds(model: Any, train_data: Any) -> float:
    """Seconds of one training step, estimated as three compiled forward passes on one batch."""
    import tensorflow as tf

    images, _ = next(iter(train_data.take(1)))
    forward = tf.function(lambda x: model(x, training=False), jit_compile=False)
    forward(images).numpy()  # trace and warm up
    # The fastest of a few passes: other processes on a busy machine only ever add time.
    fastest = math.inf
    for _attempt in range(5):
        begin = time.perf_counter()
        forward(images).numpy()
        fastest = min(fastest, time.perf_counter() - begin)
    return STEP_COST_IN_FORWARD_PASSES * fastest


def auto_steps_per_execution(step_seconds: float, steps_per_epoch: int) -> int:
    """Batches per call so that the hook fires about EVENTS_PER_SECOND times a second, in
    groups of equal size over the epoch (no short last group: each call costs the same)."""
    wanted = int((1.0 / EVENTS_PER_SECOND) / max(step_seconds, 1e-6))
    wanted = max(1, min(wanted, MAX_STEPS_PER_EXECUTION, steps_per_epoch))
    calls = math.ceil(steps_per_epoch / wanted)
    return math.ceil(steps_per_epoch / calls)
