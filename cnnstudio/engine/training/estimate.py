"""How long a run will take, before it starts: said beside the Train button, and asked about
when it is long (twenty CPU epochs of DenseNet-121 started by mistake take hours).

The best estimate is this machine's own speed for the same model and input: the images per
second of earlier runs (their records hold the images of an epoch, the epochs and the time).
Without one, a cost model from the model's multiply-accumulates per image: a fixed cost per image
(the input pipeline, the optimizer step shared by a batch) plus a cost per MAC (forward and
backward), calibrated on this project's 2-core CPU (LeNet-5: about 3,200 images/s; ResNet-18 at
32x32: about 60) and a conservative factor for a GPU. It is an order of magnitude, said as
"about": the person decides whether to wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Seconds per training image: fixed, and per MAC of the forward pass (backward included).
PER_IMAGE_S = {"cpu": 3.0e-4, "gpu": 2.0e-5}
PER_MAC_S = {"cpu": 3.6e-11, "gpu": 1.5e-12}
# Validating an image is a forward pass only: about a third of training one.
VALIDATION_SHARE = 1 / 3
# Longer than this on the CPU: the app asks before starting.
LONG_RUN_S = 15 * 60


@dataclass(frozen=True)
class Estimate:
    seconds: float
    basis: str  # "runs": measured on this machine by earlier runs; "macs": the cost model
    train_images: int  # per epoch, as the run will draw them
    validation_images: int

    @property
    def long(self) -> bool:
        return self.seconds > LONG_RUN_S


def images_per_epoch(train_size: int, batch_size: int, limit_batches: int | None) -> int:
    if limit_batches:
        return min(train_size, limit_batches * batch_size)
    return train_size


def measured_speed(records: Iterable[dict[str, Any]], model: str, input_shape: Any) -> float | None:
    """Training images per second of this machine's finished or stopped runs of `model` at
    `input_shape` (the newest first; None when there is none). Records are untrusted: a field
    of the wrong type passes the record over."""
    shape = [int(side) for side in input_shape]
    for record in records:
        try:
            built = record["model"]
            if built["name"] != model or [int(s) for s in built["input_shape"]] != shape:
                continue
            images = int(record["dataset"]["train_images_per_epoch"])
            epochs = int(record["epochs_completed"])
            seconds = float(record["elapsed_seconds"])
        except (KeyError, TypeError, ValueError):
            continue
        if images > 0 and epochs > 0 and seconds > 1.0:
            return images * epochs / seconds
    return None


def estimate(
    *,
    macs_per_image: int | None,
    train_images: int,
    validation_images: int,
    epochs: int,
    device: str = "cpu",
    images_per_second: float | None = None,
) -> Estimate | None:
    """The time of `epochs` epochs; None when neither a measured speed nor the MACs are known."""
    kind = "gpu" if device.startswith("gpu") else "cpu"
    if images_per_second:
        per_image, basis = 1.0 / images_per_second, "runs"
    elif macs_per_image:
        per_image, basis = PER_IMAGE_S[kind] + PER_MAC_S[kind] * macs_per_image, "macs"
    else:
        return None
    per_epoch = per_image * (train_images + VALIDATION_SHARE * validation_images)
    return Estimate(per_epoch * epochs, basis, train_images, validation_images)
