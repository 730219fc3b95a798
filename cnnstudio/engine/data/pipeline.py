"""From an in-memory split of uint8 images to a fast ``tf.data`` pipeline for any model input.

The fit step makes any data set match any model input, once, vectorised:

* channels: grayscale -> RGB by repeating the channel; RGB -> grayscale by the ITU-R BT.601
  luminance weights (0.299, 0.587, 0.114), the ones ``tf.image.rgb_to_grayscale`` uses;
* size: **pad** with zeros, centred, when the model input is at least as large as the image and
  at most 25% larger on each side (``source <= target <= 1.25 * source`` for both height and
  width). That is how LeNet-5 sees MNIST: 28x28 digits in a 32x32 field (LeCun et al., 1998).
  Any other size change is a bilinear **resize** (aspect ratio not kept, as in Keras'
  ``Resizing`` layer);
* values: float32 scaled to [0, 1].

Speed: the benchmark compares this pipeline with a hand-tuned ``model.fit`` on NumPy arrays, so it
follows the same design as Keras' own array adapter. The fitted images are computed once (in
chunks, on the TF runtime) and kept in memory when they fit ``PRECOMPUTE_LIMIT_BYTES``; an epoch
is then a shuffle of indices plus one ``tf.gather`` per batch: no per-image work of any kind. When
the fitted set would be too large (CIFAR at 224x224 is 30 GB), the uint8 images stay in memory and
the fit runs on whole batches in parallel ``map`` calls instead.

Augmentation and standardisation are not pipeline steps but the first layers of the model being
trained (``cnnstudio.engine.training.recipe``): the pipeline's images stay in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cnnstudio.i18n import _

if TYPE_CHECKING:
    import tensorflow as tf

    from cnnstudio.engine.data.data_types import Split

# Pad, not resize, when the target is larger by at most this fraction per side.
MAX_PAD_FRACTION = 0.25
# Fitted float32 images up to this size are computed once and kept in memory.
PRECOMPUTE_LIMIT_BYTES = 1 << 30
# Images per call of the fit step while precomputing (bounds the temporary memory).
_FIT_CHUNK = 4096
# ITU-R BT.601 luma weights, as in tf.image.rgb_to_grayscale.
_LUMINANCE_WEIGHTS = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class FitPlan:
    """How images of ``source_shape`` become ``target_shape``: shown in the GUI, used below."""

    source_shape: tuple[int, int, int]
    target_shape: tuple[int, int, int]
    spatial: str  # "same", "pad" or "resize"
    channels: str  # "same", "gray_to_rgb" or "rgb_to_gray"

    def describe(self) -> str:
        (src_h, src_w, _), (dst_h, dst_w, _) = self.source_shape, self.target_shape
        steps = {
            "pad": f"zero-padded from {src_h}x{src_w} to {dst_h}x{dst_w} (centred)",
            "resize": f"resized from {src_h}x{src_w} to {dst_h}x{dst_w} (bilinear)",
            "gray_to_rgb": "grayscale repeated to 3 channels",
            "rgb_to_gray": "RGB converted to grayscale (luminance)",
        }
        parts = [steps[step] for step in (self.spatial, self.channels) if step in steps]
        return "; ".join(parts) + "; scaled to [0, 1]" if parts else "scaled to [0, 1]"


def plan_fit(source_shape: tuple[int, int, int], target_shape: tuple[int, int, int]) -> FitPlan:
    """Decide pad / resize and the channel conversion (see the module docstring for the rule)."""
    src_h, src_w, src_c = (int(v) for v in source_shape)
    dst_h, dst_w, dst_c = (int(v) for v in target_shape)
    if src_c not in (1, 3) or dst_c not in (1, 3):
        raise ValueError(
            _(
                "Only 1- or 3-channel images are supported; received {src_c} channels "
                "for a model that takes {dst_c}"
            ).format(src_c=src_c, dst_c=dst_c)
        )
    channels = {(1, 3): "gray_to_rgb", (3, 1): "rgb_to_gray"}.get((src_c, dst_c), "same")

    def paddable(source: int, target: int) -> bool:
        return source <= target <= source * (1.0 + MAX_PAD_FRACTION)

    if (src_h, src_w) == (dst_h, dst_w):
        spatial = "same"
    elif paddable(src_h, dst_h) and paddable(src_w, dst_w):
        spatial = "pad"
    else:
        spatial = "resize"
    return FitPlan((src_h, src_w, src_c), (dst_h, dst_w, dst_c), spatial, channels)


def fit_images(images: tf.Tensor, plan: FitPlan) -> tf.Tensor:
    """uint8 (N, H, W, C) -> float32 (N, *plan.target_shape) in [0, 1]. Graph-safe."""
    import tensorflow as tf

    x = tf.cast(images, tf.float32) / 255.0
    if plan.channels == "rgb_to_gray":  # before resizing: one channel is cheaper to resize
        weights = tf.constant(_LUMINANCE_WEIGHTS, dtype=tf.float32)
        x = tf.reduce_sum(x * weights, axis=-1, keepdims=True)
    dst_h, dst_w, _ = plan.target_shape
    if plan.spatial == "pad":
        src_h, src_w, _ = plan.source_shape
        top, left = (dst_h - src_h) // 2, (dst_w - src_w) // 2
        paddings = [[0, 0], [top, dst_h - src_h - top], [left, dst_w - src_w - left], [0, 0]]
        x = tf.pad(x, paddings)
    elif plan.spatial == "resize":
        x = tf.image.resize(x, (dst_h, dst_w), method="bilinear")
    if plan.channels == "gray_to_rgb":  # after resizing, for the same reason
        x = tf.repeat(x, 3, axis=-1)
    return x


def fit_images_numpy(images: np.ndarray, plan: FitPlan) -> np.ndarray:
    """Fit a whole in-memory array once, in chunks (Python runs once per chunk, not per image)."""
    import tensorflow as tf

    fit = tf.function(lambda batch: fit_images(batch, plan), reduce_retracing=True)
    fitted = np.empty((len(images), *plan.target_shape), dtype=np.float32)
    for start in range(0, len(images), _FIT_CHUNK):
        chunk = images[start : start + _FIT_CHUNK]
        fitted[start : start + len(chunk)] = fit(tf.constant(chunk)).numpy()
    return fitted


def make_pipeline(
    split: Split,
    *,
    input_shape: tuple[int, int, int],
    batch_size: int,
    training: bool,
    seed: int = 0,
    cache: bool = True,
) -> tf.data.Dataset:
    """Batches of (float32 images fitted to ``input_shape`` in [0, 1], int64 labels).

    training: shuffle (seeded, a new order every epoch); otherwise the split's order is kept.
    cache: keep the fitted images in memory
    (when they fit ``PRECOMPUTE_LIMIT_BYTES``) so the fit step runs once, not every epoch.
    The last batch may be smaller than ``batch_size``.
    """
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(
            _("batch_size must be at least 1; received {batch_size}").format(batch_size=batch_size)
        )
    images, labels = split.images, np.asarray(split.labels, dtype=np.int64)
    if images.ndim != 4 or len(images) != len(labels):
        raise ValueError(
            _(
                "A split needs images (N, H, W, C) and N labels; received {shape} and {shape2}"
            ).format(shape=images.shape, shape2=labels.shape)
        )
    plan = plan_fit(images.shape[1:], input_shape)
    fitted_bytes = len(images) * math.prod(plan.target_shape) * 4
    precompute = cache and fitted_bytes <= PRECOMPUTE_LIMIT_BYTES
    stored = fit_images_numpy(images, plan) if precompute else images

    count = len(labels)
    indices = tf.data.Dataset.range(count)
    if training:
        indices = indices.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    indices = indices.batch(batch_size)
    # The whole split is one element repeated: each batch is a gather, as in Keras' array
    # adapter. This keeps the arrays out of the graph (no 2 GB constant limit).
    arrays = tf.data.Dataset.from_tensors((stored, labels)).repeat()

    def take_batch(batch_indices, data):
        batch_images, all_labels = data
        batch_images = tf.gather(batch_images, batch_indices)
        if not precompute:
            batch_images = fit_images(batch_images, plan)
        return batch_images, tf.gather(all_labels, batch_indices)

    dataset = tf.data.Dataset.zip((indices, arrays)).map(
        take_batch, num_parallel_calls=tf.data.AUTOTUNE
    )
    return dataset.prefetch(tf.data.AUTOTUNE)
