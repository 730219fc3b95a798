"""The model-randomisation sanity check of Adebayo et al. 2018 ("Sanity Checks for Saliency Maps").

The same explanation is computed twice: on the model, and on a clone whose classifier head (every
layer with weights after the target layer) has its weights replaced by random values of the same
scale. A method whose map barely changes explains the image, not the model. We report the
Spearman rank correlation of the two maps (the paper's main figure; near 1: the map did not
change) per image.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from cnnstudio.engine.insight.explain import make_method
from cnnstudio.engine.insight.targets import default_target_layer, layers_after


def randomized_head(model: keras.Model, after: str | None = None, *, seed: int = 0) -> keras.Model:
    """A clone of `model` whose layers with weights after `after` (default: the Grad-CAM target)
    hold random normal weights with each variable's own standard deviation (biases: zero)."""
    after = after or default_target_layer(model)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for layer in layers_after(clone, after):
        for variable in layer.trainable_weights:
            value = np.asarray(variable)
            scale = float(value.std()) or 0.05
            if value.ndim <= 1:
                variable.assign(np.zeros_like(value))
            else:
                variable.assign(rng.normal(0.0, scale, size=value.shape).astype(value.dtype))
    return clone


def rank_correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rho of two maps (ties get their mean rank)."""

    def ranks(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, np.float64).ravel()
        order = np.argsort(values, kind="mergesort")
        ranked = np.empty(len(values))
        ranked[order] = np.arange(len(values), dtype=np.float64)
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        sums = np.bincount(inverse, weights=ranked)
        return sums[inverse] / counts[inverse]

    a, b = ranks(first), ranks(second)
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator else 0.0


@dataclass
class SanityCheck:
    original: np.ndarray  # (N, H, W)
    randomized: np.ndarray  # (N, H, W)
    rank_correlation: list[float]  # per image


def sanity_check(
    method: str,
    model: keras.Model,
    images: Any,
    classes: Any = None,
    *,
    layer: str | None = None,
    seed: int = 0,
) -> SanityCheck:
    """Explain with `method` on the model and on its randomised-head clone, for the same class
    (by default the model's predicted one, kept for the clone so both explain the same thing)."""
    original_method = make_method(method, model, layer)
    if classes is None:
        classes = np.asarray(model(np.asarray(images, np.float32), training=False)).argmax(-1)
    original = original_method(images, classes)
    clone = randomized_head(model, layer, seed=seed)
    randomized = make_method(method, clone, layer)(images, classes)
    rhos = [rank_correlation(a, b) for a, b in zip(original, randomized, strict=True)]
    return SanityCheck(original, randomized, rhos)
