"""Explanations of one prediction as maps over the input: where the model looks.

The shape of pytorch-grad-cam: one method object per algorithm over a model (and, for the CAM
family, target layers); calling it on a batch of fitted images (N, H, W, C) returns maps as an
array (N, H, W), float32, non-negative, each scaled to [0, 1] (all zero where the method sees
nothing), so a caller or a test can check them. `classes` picks the class explained per image;
by default the predicted one.

* `GradCAM` (Selvaraju et al. 2017): channel weights = spatial mean of the class score's gradient.
* `GradCAMPlusPlus` (Chattopadhay et al. 2018): weights from the second and third powers of the
  gradient (equation 19 of the paper, as pytorch-grad-cam computes it).
* `VanillaSaliency` (Simonyan et al. 2014): |d score / d input|, maximum over channels.
* `SmoothGrad` (Smilkov et al. 2017): saliency averaged over noisy copies of the input.
* `Occlusion` (Zeiler & Fergus 2014): the drop of the class probability when a patch is greyed.

The class score is the pre-softmax logit where the model ends in a softmax (a saturated
probability has almost no gradient), found from the last layer (see `_Head`). Each method traces
one function per model and layer set with `tf.function`, so later calls reuse the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from cnnstudio.engine.insight.targets import default_target_layer, feature_model
from cnnstudio.i18n import _

_EPSILON = 1e-7


def scale_maps(maps: Any, size: tuple[int, int] | None = None) -> np.ndarray:
    """(N, h, w) -> (N, H, W) float32: negative parts cut, resized bilinearly, each map scaled to
    [0, 1] by its own maximum after subtracting its minimum (pytorch-grad-cam's scale_cam_image)."""
    maps = tf.nn.relu(tf.cast(maps, tf.float32))
    if size is not None and tuple(maps.shape[1:3]) != tuple(size):
        maps = tf.image.resize(maps[..., tf.newaxis], size, method="bilinear")[..., 0]
    maps = maps.numpy()
    lowest = maps.min(axis=(1, 2), keepdims=True)
    maps = maps - lowest
    highest = maps.max(axis=(1, 2), keepdims=True)
    return (maps / (highest + _EPSILON)).astype(np.float32)


def overlay(image: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """A picture to show: (H, W, C) image in [0, 1] and an (H, W) map in [0, 1] -> uint8
    (H, W, 3), the image in grey and the map on top from dark red to yellow, as opaque as the
    map is strong (what `cnnstudio explain` writes and a view can draw as it is)."""
    image = np.asarray(image, np.float32)
    heat = np.asarray(heat, np.float32)
    grey = image.mean(axis=-1) if image.shape[-1] > 1 else image[..., 0]
    base = np.repeat(grey[..., np.newaxis], 3, axis=-1)
    colour = np.stack(
        [np.clip(2 * heat, 0, 1), np.clip(2 * heat - 1, 0, 1), np.zeros_like(heat)], -1
    )
    alpha = 0.6 * heat[..., np.newaxis]
    return (255 * np.clip((1 - alpha) * base + alpha * colour, 0, 1)).astype(np.uint8)


class _Head:
    """The model up to its class scores (logits where it ends in a softmax), with the outputs of
    the layers `names` of its core (see `targets.unwrap`)."""

    def __init__(self, model: keras.Model, names: Sequence[str] = ()) -> None:
        self.model, self._dense = feature_model(model, list(names), last="logits")
        self.extra = len(names)

    def __call__(self, images: tf.Tensor) -> tuple[list[tf.Tensor], tf.Tensor]:
        outputs = self.model(images, training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        features, scores = list(outputs[: self.extra]), outputs[-1]
        if self._dense is not None:
            scores = tf.matmul(tf.cast(scores, tf.float32), tf.cast(self._dense.kernel, tf.float32))
            if self._dense.use_bias:
                scores = scores + tf.cast(self._dense.bias, tf.float32)
        return [tf.cast(f, tf.float32) for f in features], tf.cast(scores, tf.float32)


def _classes(scores: tf.Tensor, classes: Any) -> tf.Tensor:
    if classes is None:
        return tf.argmax(scores, axis=-1, output_type=tf.int32)
    classes = np.broadcast_to(np.asarray(classes, np.int32), (scores.shape[0],))
    if classes.min() < 0 or classes.max() >= scores.shape[-1]:
        raise ValueError(
            _("class must lie in 0..{value}; received {classes}").format(
                value=scores.shape[-1] - 1, classes=classes
            )
        )
    return tf.constant(classes)


def _as_batch(images: Any) -> tf.Tensor:
    images = tf.convert_to_tensor(np.asarray(images, np.float32))
    if images.shape.rank != 4:
        raise ValueError(
            _("images must be a batch (N, H, W, C); received {tuple}").format(
                tuple=tuple(images.shape)
            )
        )
    return images


class BaseCAM:
    """Class activation maps over one or more target layers (default: `default_target_layer`)."""

    def __init__(self, model: keras.Model, target_layers: Sequence[str] | None = None) -> None:
        self.model = model
        names = list(target_layers or [default_target_layer(model)])
        self.target_layers = names
        self._head = _Head(model, names)
        self._step = tf.function(self._gradients, reduce_retracing=True)

    def _gradients(self, images: tf.Tensor, classes: tf.Tensor | None):
        with tf.GradientTape() as tape:
            features, scores = self._head(images)
            chosen = (
                tf.argmax(scores, axis=-1, output_type=tf.int32) if classes is None else classes
            )
            score = tf.reduce_sum(tf.gather(scores, chosen, batch_dims=1))
        return features, tape.gradient(score, features), chosen

    def cam_weights(self, activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
        """(N, h, w, K) activations and gradients -> (N, K) channel weights."""
        raise NotImplementedError

    def per_layer(self, images: Any, classes: Any = None) -> dict[str, np.ndarray]:
        """One (N, H, W) map per target layer, in the order of `target_layers`."""
        images = _as_batch(images)
        chosen = None
        if classes is not None:
            chosen = _classes(tf.zeros((images.shape[0], self.model.output_shape[-1])), classes)
        features, gradients, explained = self._step(images, chosen)
        self.last_classes = explained.numpy()  # the classes explained, for a caller to show
        maps = {}
        for name, activation, gradient in zip(self.target_layers, features, gradients, strict=True):
            activation, gradient = activation.numpy(), gradient.numpy()
            weights = self.cam_weights(activation, gradient)
            cam = np.einsum("nhwk,nk->nhw", activation, weights)
            maps[name] = scale_maps(cam, tuple(images.shape[1:3]))
        return maps

    def __call__(self, images: Any, classes: Any = None) -> np.ndarray:
        """(N, H, W): the mean over target layers of their scaled maps, scaled again."""
        maps = list(self.per_layer(images, classes).values())
        return scale_maps(np.mean(maps, axis=0))


class GradCAM(BaseCAM):
    def cam_weights(self, activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
        return gradients.mean(axis=(1, 2))


class GradCAMPlusPlus(BaseCAM):
    def cam_weights(self, activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
        squared = gradients**2
        cubed = squared * gradients
        total = activations.sum(axis=(1, 2), keepdims=True)
        alpha = squared / (2 * squared + total * cubed + 1e-6)
        alpha = np.where(gradients != 0, alpha, 0.0)
        return (np.maximum(gradients, 0) * alpha).sum(axis=(1, 2))


class VanillaSaliency:
    """|gradient of the class score with respect to the input pixels|, max over channels."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self._head = _Head(model)
        self._step = tf.function(self._gradients, reduce_retracing=True)

    def _gradients(self, images: tf.Tensor, classes: tf.Tensor):
        with tf.GradientTape() as tape:
            tape.watch(images)
            _, scores = self._head(images)
            score = tf.reduce_sum(tf.gather(scores, classes, batch_dims=1))
        return tape.gradient(score, images)

    def _targets(self, images: tf.Tensor, classes: Any) -> tf.Tensor:
        _, scores = self._head(images)
        return _classes(scores, classes)

    def __call__(self, images: Any, classes: Any = None) -> np.ndarray:
        images = _as_batch(images)
        chosen = self._targets(images, classes)
        gradient = self._step(images, chosen)
        return scale_maps(tf.reduce_max(tf.abs(gradient), axis=-1))


class SmoothGrad(VanillaSaliency):
    """Saliency averaged over `samples` copies with Gaussian noise of `noise` x the input range."""

    def __init__(
        self, model: keras.Model, *, samples: int = 25, noise: float = 0.15, seed: int = 0
    ) -> None:
        super().__init__(model)
        self.samples, self.noise, self.seed = samples, noise, seed

    def __call__(self, images: Any, classes: Any = None) -> np.ndarray:
        images = _as_batch(images)
        chosen = self._targets(images, classes)  # the class of the clean image, kept for all
        rng = np.random.default_rng(self.seed)
        spread = float(tf.reduce_max(images) - tf.reduce_min(images)) or 1.0
        total = tf.zeros(images.shape[:3])
        for _sample in range(self.samples):
            noise = rng.normal(0.0, self.noise * spread, size=images.shape).astype(np.float32)
            gradient = self._step(images + noise, chosen)
            total += tf.reduce_max(tf.abs(gradient), axis=-1)
        return scale_maps(total / self.samples)


class Occlusion:
    """How much the class probability drops when a `patch` x `patch` square (stride `stride`) is
    replaced by the image's mean; each pixel gets the mean drop of the patches covering it."""

    def __init__(
        self,
        model: keras.Model,
        *,
        patch: int | None = None,
        stride: int | None = None,
        batch_size: int = 64,
    ) -> None:
        self.model = model
        self.patch, self.stride, self.batch_size = patch, stride, batch_size

    def _probabilities(self, images: np.ndarray) -> np.ndarray:
        rows = [
            np.asarray(self.model(images[i : i + self.batch_size], training=False), np.float32)
            for i in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(rows)

    def __call__(self, images: Any, classes: Any = None) -> np.ndarray:
        images = np.asarray(_as_batch(images))
        count, height, width, _ = images.shape
        patch = self.patch or max(2, min(height, width) // 8)
        stride = self.stride or max(1, patch // 2)
        base = self._probabilities(images)
        chosen = _classes(tf.constant(base), classes).numpy()
        tops = list(range(0, max(1, height - patch) + 1, stride))
        lefts = list(range(0, max(1, width - patch) + 1, stride))
        maps = np.zeros((count, height, width), np.float32)
        for n in range(count):
            fill = images[n].mean(axis=(0, 1))
            occluded = np.repeat(images[n][np.newaxis], len(tops) * len(lefts), axis=0)
            boxes = [(top, left) for top in tops for left in lefts]
            for k, (top, left) in enumerate(boxes):
                occluded[k, top : top + patch, left : left + patch] = fill
            drops = base[n, chosen[n]] - self._probabilities(occluded)[:, chosen[n]]
            total = np.zeros((height, width), np.float32)
            covered = np.zeros((height, width), np.float32)
            for drop, (top, left) in zip(drops, boxes, strict=True):
                total[top : top + patch, left : left + patch] += drop
                covered[top : top + patch, left : left + patch] += 1
            maps[n] = total / np.maximum(covered, 1)
        return scale_maps(maps)


METHODS: dict[str, type] = {
    "gradcam": GradCAM,
    "gradcam++": GradCAMPlusPlus,
    "saliency": VanillaSaliency,
    "smoothgrad": SmoothGrad,
    "occlusion": Occlusion,
}


def make_method(name: str, model: keras.Model, layer: str | None = None) -> Any:
    """The method object for a name of `METHODS`; `layer` applies to the CAM methods."""
    try:
        method = METHODS[name]
    except KeyError:
        raise ValueError(
            _("unknown method {name!r}; choose one of {value}").format(
                name=name, value=", ".join(METHODS)
            )
        ) from None
    if issubclass(method, BaseCAM):
        return method(model, [layer] if layer else None)
    return method(model)
