"""Receptive fields of one unit of a feature map: theoretical (a box) and effective (a map).

* The theoretical field is the input window the unit can see: its size and jump per axis come
  from `anatomy.layer_stats` (propagated through the whole graph); its place is the unit's
  index times the jump plus the layer's border offset, taken as symmetric:
  offset = (H_in - 1 - (H_out - 1) * jump) / 2. That is exact for "valid" windows and within
  half a pixel for "same" ones (TensorFlow pads a stride-2 "same" window one pixel more at the
  bottom-right), so the box is rounded outwards and clipped to the image.
* The effective field (Luo et al. 2016) is |d unit / d input|, summed over the input channels
  (and over images when several are given): the pixels that actually move the unit, a
  Gaussian-like blob much smaller than the box in a trained network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from cnnstudio.engine.insight.targets import check_layer, core, feature_model
from cnnstudio.i18n import _


@dataclass(frozen=True)
class FieldBox:
    """Input rows top..bottom and columns left..right (inclusive), clipped to the image, and the
    unclipped size of the theoretical field."""

    top: int
    left: int
    bottom: int
    right: int
    size: tuple[int, int]
    jump: tuple[int, int]


def _field_of(model: keras.Model, layer: str) -> tuple[tuple[int, int], tuple[int, int]]:
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

    field = compute_model_stats(core(model)).layer(layer).receptive_field
    if field is None or len(field.size) != 2:
        raise ValueError(
            _("layer {layer!r} has no two-dimensional receptive field").format(layer=layer)
        )
    return (int(field.size[0]), int(field.size[1])), (int(field.jump[0]), int(field.jump[1]))


def theoretical_box(model: keras.Model, layer: str, row: int, column: int) -> FieldBox:
    """The input box seen by unit (row, column) of `layer`'s output."""
    output = check_layer(model, layer).output.shape
    inner = core(model)  # the box is in the core's input pixels (the chain keeps the size)
    height, width = int(inner.input_shape[1]), int(inner.input_shape[2])
    out_h, out_w = int(output[1]), int(output[2])
    if not (0 <= row < out_h and 0 <= column < out_w):
        raise ValueError(
            _("unit ({row}, {column}) lies outside {layer!r}'s {out_h}x{out_w} map").format(
                row=row, column=column, layer=layer, out_h=out_h, out_w=out_w
            )
        )
    size, jump = _field_of(model, layer)
    bounds = []
    for index, inp, out, s, j in (
        (row, height, out_h, size[0], jump[0]),
        (column, width, out_w, size[1], jump[1]),
    ):
        center = (inp - 1 - (out - 1) * j) / 2 + index * j
        low = max(0, math.floor(center - (s - 1) / 2))
        high = min(inp - 1, math.ceil(center + (s - 1) / 2))
        bounds.append((low, high))
    (top, bottom), (left, right) = bounds
    return FieldBox(top, left, bottom, right, size, jump)


class EffectiveField:
    """|d unit / d input| for units of one layer; one traced function per (model, layer)."""

    def __init__(self, model: keras.Model, layer: str) -> None:
        self.layer = layer
        self._features = feature_model(model, [layer], last="none")[0]
        self._step = tf.function(self._gradient, reduce_retracing=True)

    def _gradient(self, images: tf.Tensor, row: tf.Tensor, column: tf.Tensor, channel: tf.Tensor):
        with tf.GradientTape() as tape:
            tape.watch(images)
            features = self._features(images, training=False)
            if isinstance(features, (list, tuple)):
                features = features[0]
            features = tf.cast(features, tf.float32)
            unit = features[:, row, column, :]
            # channel < 0: every channel of the unit's position together.
            unit = tf.cond(
                channel < 0,
                lambda: tf.reduce_sum(unit),
                lambda: tf.reduce_sum(tf.gather(unit, tf.maximum(channel, 0), axis=1)),
            )
        return tape.gradient(unit, images)

    def __call__(
        self, images: Any, row: int, column: int, channel: int | None = None
    ) -> np.ndarray:
        """(H, W) float32, non-negative, not rescaled (absolute gradient magnitudes)."""
        images = tf.convert_to_tensor(np.asarray(images, np.float32))
        gradient = self._step(
            images,
            tf.constant(row),
            tf.constant(column),
            tf.constant(-1 if channel is None else channel),
        )
        return tf.reduce_sum(tf.abs(gradient), axis=(0, 3)).numpy().astype(np.float32)
