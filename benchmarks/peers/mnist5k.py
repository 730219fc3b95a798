"""mnist-5k as a plain script loads it: the bundled .npz, split as the engine splits it (the
first 400 digits of each class in file order train, the other 100 validate), padded from 28x28
to 32x32 and scaled to [0, 1]. NumPy only, so that no peer pays for TensorFlow's import."""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILE = Path(__file__).resolve().parents[2] / "cnnstudio" / "resources" / "data" / "mnist_5k.npz"
TRAIN_PER_CLASS = 400
# LeNet-5 at 32x32x1 with 10 classes (C1-S2-C3-S4-C5-F6-output; cnnstudio/models/lenet.py).
LENET5_PARAMS = 61_706
# Multiply-adds of one LeNet-5 forward pass at 32x32x1: C1, C3, C5, F6, output.
LENET5_FORWARD_MACS = 28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 120 * 400 + 120 * 84 + 84 * 10


def load(channels_last: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_val, y_val): float32 images in [0, 1], int64 labels."""
    with np.load(FILE) as arrays:
        images, labels = arrays["images"], arrays["labels"].astype(np.int64)
    train, validation = [], []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        train.append(rows[:TRAIN_PER_CLASS])
        validation.append(rows[TRAIN_PER_CLASS:])
    train_rows = np.stack(train, axis=1).ravel()
    validation_rows = np.stack(validation, axis=1).ravel()
    x = np.pad(images.astype(np.float32) / 255.0, ((0, 0), (2, 2), (2, 2), (0, 0)))
    if not channels_last:
        x = x.transpose(0, 3, 1, 2).copy()
    return x[train_rows], labels[train_rows], x[validation_rows], labels[validation_rows]


def report(program: str, epoch_seconds: list[float], train_images: int, **extra) -> None:
    """The one line the runner (`benchmarks.peers.__main__`) reads from each peer."""
    import json

    print(
        "PEER "
        + json.dumps(
            {
                "program": program,
                "epoch_seconds": epoch_seconds,
                "train_images": train_images,
                **extra,
            }
        ),
        flush=True,
    )
