"""LeNet-5 on mnist-5k in a plain Keras 3 script, tuned as a good user tunes it: batch 256,
`steps_per_execution`, Adam 5e-3 with CosineDecay to 0 over the run, a Normalization layer
adapted to the training images, NumPy arrays into `fit`, validation each epoch. The backend is
Keras's own choice: KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax.

python -m benchmarks.peers.keras_lenet [--epochs 10] [--steps-per-execution 16]
"""

from __future__ import annotations

import argparse
import math
import time

import keras

from benchmarks.peers.mnist5k import LENET5_PARAMS, load, report


class EpochClock(keras.callbacks.Callback):
    """Seconds from one epoch's end to the next (its training and validation)."""

    def on_train_begin(self, logs=None):
        self.seconds, self.last = [], time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.seconds.append(now - self.last)
        self.last = now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps-per-execution", type=int, default=16)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    x, y, val_x, val_y = load()

    lenet5 = keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            keras.layers.Conv2D(6, 5, activation="tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(16, 5, activation="tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(120, 5, activation="tanh"),
            keras.layers.Flatten(),
            keras.layers.Dense(84, activation="tanh"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    assert lenet5.count_params() == LENET5_PARAMS, lenet5.count_params()
    normalization = keras.layers.Normalization()
    normalization.adapt(x)
    model = keras.Sequential([keras.Input((32, 32, 1)), normalization, lenet5])
    steps = math.ceil(len(y) / args.batch_size) * args.epochs
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(5e-3, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=args.steps_per_execution,
    )
    clock = EpochClock()
    history = model.fit(
        x,
        y,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_data=(val_x, val_y),
        callbacks=[clock],
        verbose=0,
    )
    report(
        f"keras-{keras.backend.backend()}",
        clock.seconds,
        len(y),
        params=lenet5.count_params(),
        val_accuracy=history.history["val_accuracy"][-1],
    )


if __name__ == "__main__":
    main()
