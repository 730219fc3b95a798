"""Receptive fields: the effective field never leaves the theoretical box, and the box has the
size the course teaches (two 3x3 convolutions see as far as one 5x5)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnstudio.engine.insight.receptive import EffectiveField, theoretical_box


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="a")(inputs)  # valid: 30 x 30
    x = keras.layers.Conv2D(4, 3, activation="relu", name="b")(x)  # 28 x 28, sees 5 x 5
    x = keras.layers.Conv2D(4, 3, strides=2, padding="same", name="c")(x)  # 14 x 14, sees 7 x 7
    x = keras.layers.MaxPooling2D(name="d")(x)  # 7 x 7, sees 9 x 9 with jump 4
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


def test_two_three_by_three_convolutions_see_five_by_five(model):
    box = theoretical_box(model, "b", 10, 4)
    assert box.size == (5, 5) and box.jump == (1, 1)
    # Valid windows: unit (10, 4) sees rows 10..14 and columns 4..8 exactly.
    assert (box.top, box.bottom, box.left, box.right) == (10, 14, 4, 8)


@pytest.mark.parametrize(
    ("layer", "row", "column"),
    [("b", 0, 0), ("b", 27, 13), ("c", 5, 7), ("c", 13, 0), ("d", 3, 3), ("d", 0, 6)],
)
def test_the_effective_field_lies_inside_the_box(model, layer, row, column):
    images = np.random.default_rng(1).uniform(size=(3, 32, 32, 3)).astype(np.float32)
    field = EffectiveField(model, layer)(images, row, column)
    assert field.shape == (32, 32) and field.dtype == np.float32 and field.min() >= 0
    box = theoretical_box(model, layer, row, column)
    inside = field[box.top : box.bottom + 1, box.left : box.right + 1].sum()
    assert field.sum() > 0
    assert inside == pytest.approx(field.sum())
    assert box.bottom - box.top + 1 <= box.size[0] + 1  # rounded outwards by at most one pixel


def test_a_unit_outside_the_map_is_refused(model):
    with pytest.raises(ValueError, match="outside"):
        theoretical_box(model, "d", 7, 0)
