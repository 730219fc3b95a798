"""The Explain view's service: every answer checked against the model computed another way in the
test (Keras sub-models, the kernel variables, NumPy)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnstudio.engine.insight.explainer import Explainer, InsightError
from cnnstudio.engine.insight.overlay import heat_colours, heat_overlay


@pytest.fixture(scope="module")
def rgb_model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((24, 24, 3))
    x = keras.layers.Conv2D(5, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(name="pool1")(x)  # 12 x 12
    x = keras.layers.Conv2D(7, 3, padding="valid", activation="relu", name="conv2")(x)  # 10
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(4, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="small_rgb")


@pytest.fixture(scope="module")
def explainer(rgb_model):
    return Explainer(rgb_model)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(0).uniform(size=(24, 24, 3)).astype(np.float32)


def test_layers_default_and_stages_come_from_the_structure(explainer):
    assert explainer.layer_names == ["conv1", "pool1", "conv2"]
    assert explainer.default_layer == "conv2"
    assert explainer.stage_names == ["conv1", "pool1", "conv2"]
    assert explainer.class_count == 4


def test_explain_defaults_to_the_predicted_class_and_gives_a_map_per_stage(
    explainer, rgb_model, image
):
    result = explainer.explain(image, stages=True, sanity=True)
    expected = np.asarray(rgb_model(image[np.newaxis]))[0]
    np.testing.assert_allclose(result.probabilities, expected, atol=1e-5)
    assert result.target == int(expected.argmax())
    assert result.layer == "conv2"
    assert result.heat.shape == (24, 24) and result.heat.dtype == np.float32
    assert result.heat.min() >= 0.0 and result.heat.max() <= 1.0 + 1e-6
    assert [name for name, _ in result.stages] == ["conv1", "pool1", "conv2"]
    assert all(m.shape == (24, 24) for _, m in result.stages)
    assert result.randomized is not None and result.randomized.shape == (24, 24)
    assert -1.0 <= result.rank_correlation <= 1.0


def test_a_class_asked_is_the_class_explained_and_one_out_of_range_has_a_code(explainer, image):
    assert explainer.explain(image, "saliency", target=2).target == 2
    with pytest.raises(InsightError) as raised:
        explainer.explain(image, target=4)
    assert raised.value.code == "class_out_of_range" and raised.value.values["last"] == 3


def test_activations_are_the_layers_output_scaled_per_channel(explainer, rgb_model, image):
    maps = explainer.activations(image, "pool1")
    probe = keras.Model(rgb_model.input, rgb_model.get_layer("pool1").output)
    raw = np.asarray(probe(image[np.newaxis]))[0]
    assert maps.shape == raw.shape == (12, 12, 5)
    for channel in range(5):
        plane = raw[..., channel]
        if np.ptp(plane) > 1e-6:
            expected = (plane - plane.min()) / np.ptp(plane)
            np.testing.assert_allclose(maps[..., channel], expected, atol=1e-5)


def test_filters_of_the_first_rgb_layer_are_its_kernels_in_colour(explainer, rgb_model):
    bank = explainer.filters("conv1")
    kernel = np.asarray(rgb_model.get_layer("conv1").kernel)  # (3, 3, 3, 5)
    assert bank.colour and bank.total == 5 and bank.kernels.shape == (5, 3, 3, 3)
    scaled = (kernel - kernel.min()) / np.ptp(kernel)
    np.testing.assert_allclose(bank.kernels[2], scaled[..., 2], atol=1e-6)
    deeper = explainer.filters("conv2")  # 5 input channels: one grey image each
    assert not deeper.colour and deeper.kernels.shape == (7, 3, 3, 1)
    with pytest.raises(InsightError) as raised:
        explainer.filters("pool1")
    assert raised.value.code == "no_kernel"


def test_the_effective_field_lies_inside_the_theoretical_box(explainer, image):
    field = explainer.receptive_field(image, "conv2", 4, 6)
    box = field.box
    assert box.size == (8, 8)  # 3, then x2 by pooling: 3 + 1 + 2 * 2 = 8
    outside = field.effective.copy()
    outside[box.top : box.bottom + 1, box.left : box.right + 1] = 0
    assert field.effective.max() == pytest.approx(1.0)
    assert outside.max() == 0.0
    with pytest.raises(InsightError) as raised:
        explainer.receptive_field(image, "conv2", 10, 0)
    assert raised.value.code == "no_field"


def test_an_unknown_layer_has_a_code(explainer, image):
    with pytest.raises(InsightError) as raised:
        explainer.activations(image, "nope")
    assert raised.value.code == "unknown_layer"


def test_a_dense_only_model_is_refused_with_a_code():
    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    with pytest.raises(InsightError) as raised:
        Explainer(model)
    assert raised.value.code == "no_spatial_layer"


def test_the_overlay_leaves_ignored_places_as_the_image_in_grey():
    image = np.zeros((4, 4, 3), np.float32)
    image[..., 0] = 1.0  # pure red: grey 1/3
    heat = np.zeros((4, 4), np.float32)
    heat[0, 0] = 1.0
    picture = heat_overlay(image, heat)
    assert picture.dtype == np.uint8 and picture.shape == (4, 4, 3)
    assert (picture[1:, 1:] == 51).all()  # 255 x 0.6 / 3, no colour where the map is zero
    expected = np.rint(255 * (0.2 * 0.6 / 3 + 0.8 * heat_colours(np.ones((1, 1)))[0, 0]))
    np.testing.assert_array_equal(picture[0, 0], expected.astype(np.uint8))
    with pytest.raises(ValueError):
        heat_overlay(image, np.zeros((3, 3)))


def test_the_mosaic_puts_each_kernel_in_its_cell_with_grey_between():
    from cnnstudio.engine.insight.overlay import mosaic

    kernels = np.zeros((5, 2, 2, 1), np.float32)
    kernels[3] = 1.0  # the fourth: second row, first column with three to a row
    sheet = mosaic(kernels, columns=3, gap=1)
    assert sheet.shape == (5, 8, 3)
    assert (sheet[3:5, 0:2] == 255).all()
    assert (sheet[0:2, 0:2] == 0).all()
    assert (sheet[2, :] == 128).all()  # the gap row
    assert (sheet[3:5, 6:8] == 128).all()  # no sixth kernel: grey
