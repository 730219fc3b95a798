"""Each kind of normalization's statistics against Keras's own layer (or NumPy's axes)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnstudio.engine.concepts.normalization import (
    example_batch,
    group_map,
    norm_statistics,
    normalize,
)

EPSILON = 1e-3


def keras_layer(kind: str, channels: int, groups: int):
    # The batch is N x C x H x W: channels on axis 1.
    if kind == "batch":
        return keras.layers.BatchNormalization(axis=1, epsilon=EPSILON)
    if kind == "layer":
        return keras.layers.LayerNormalization(axis=[1, 2, 3], epsilon=EPSILON)
    if kind == "instance":
        return keras.layers.GroupNormalization(groups=channels, axis=1, epsilon=EPSILON)
    return keras.layers.GroupNormalization(groups=groups, axis=1, epsilon=EPSILON)


@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
def test_normalized_batch_equals_keras(kind):
    batch = example_batch(4, 6, 3, seed=2)
    stats = norm_statistics(batch, kind, groups=2)
    layer = keras_layer(kind, 6, 2)
    expected = np.asarray(layer(batch.astype("float32"), training=True))
    np.testing.assert_allclose(normalize(batch, stats, EPSILON), expected, atol=1e-4)


def test_statistics_are_the_numpy_axes():
    batch = example_batch(4, 6, 3, seed=5)
    batch_stats = norm_statistics(batch, "batch")
    np.testing.assert_allclose(batch_stats.means, batch.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(batch_stats.variances, batch.var(axis=(0, 2, 3)))
    layer_stats = norm_statistics(batch, "layer")
    np.testing.assert_allclose(layer_stats.means, batch.mean(axis=(1, 2, 3)))
    instance = norm_statistics(batch, "instance")
    np.testing.assert_allclose(instance.variances, batch.var(axis=(2, 3)).ravel())
    group = norm_statistics(batch, "group", groups=3)
    np.testing.assert_allclose(
        group.means, batch.reshape(4, 3, 2, 3, 3).mean(axis=(2, 3, 4)).ravel()
    )


def test_groups_cover_the_blocks_they_should():
    assert norm_statistics(example_batch(), "batch").members(1) == [(n, 1) for n in range(4)]
    assert len(norm_statistics(example_batch(), "layer").members(0)) == 6
    assert group_map("group", 2, 6, 3).tolist() == [[0, 0, 1, 1, 2, 2], [3, 3, 4, 4, 5, 5]]
    with pytest.raises(ValueError):
        group_map("group", 2, 6, 4)
