"""Explanations where the answer is known: a small CNN trained on synthetic 32x32 images whose
class is carried by the top-left quadrant only (a bright square there: class 1; none: class 0;
noise everywhere)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnstudio.engine.insight.explain import (
    GradCAM,
    GradCAMPlusPlus,
    Occlusion,
    SmoothGrad,
    VanillaSaliency,
    make_method,
)
from cnnstudio.engine.insight.sanity import randomized_head, rank_correlation, sanity_check
from cnnstudio.engine.insight.targets import default_target_layer, stage_layers

SIZE = 32
SQUARE = 6


def _images(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, 0.3, size=(count, SIZE, SIZE, 1)).astype(np.float32)
    labels = np.arange(count) % 2
    half = SIZE // 2
    for i in range(count):
        if labels[i]:
            y, x = rng.integers(0, half - SQUARE, size=2)
            images[i, y : y + SQUARE, x : x + SQUARE] = 1.0
    return images, labels


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((SIZE, SIZE, 1))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inputs)
    x = keras.layers.MaxPooling2D(name="pool1")(x)  # 16 x 16
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(name="pool2")(x)  # 8 x 8
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv3")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs, name="quadrant_net")
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    images, labels = _images(600, seed=1)
    model.fit(images, labels, epochs=8, batch_size=32, verbose=0)
    test_images, test_labels = _images(40, seed=2)
    accuracy = model.evaluate(test_images, test_labels, verbose=0)[1]
    assert accuracy >= 0.95, accuracy  # the premise of every test below
    return model, test_images[test_labels == 1][:8]


def _top_left_mass(maps: np.ndarray) -> float:
    half = SIZE // 2
    return float(maps[:, :half, :half].sum() / maps.sum())


def _top_left_peaks(maps: np.ndarray) -> float:
    """The fraction of maps whose maximum lies in the top-left quadrant."""
    flat = maps.reshape(len(maps), -1).argmax(axis=1)
    rows, columns = np.unravel_index(flat, maps.shape[1:])
    return float(np.mean((rows < SIZE // 2) & (columns < SIZE // 2)))


def test_structure_gives_the_target_layer_and_stage_ends(trained):
    model, _ = trained
    assert default_target_layer(model) == "conv3"
    assert stage_layers(model) == ["conv1", "conv2", "conv3"]  # 32, 16 and 8 pixels wide


# Region methods must put most of their mass in the quadrant (a quarter of the image: a map
# blind to position puts ~25 % there). Input gradients spread thinly over every pixel the
# convolutions see (measured: saliency 42 %, SmoothGrad 30 %), so for them the peak must be there.
@pytest.mark.parametrize(
    ("method", "least_mass"),
    [
        (GradCAM, 0.5),
        (GradCAMPlusPlus, 0.5),
        (Occlusion, 0.5),
        (VanillaSaliency, 0.0),
        (SmoothGrad, 0.0),
    ],
    ids=lambda m: getattr(m, "__name__", ""),
)
def test_maps_point_where_the_class_is(trained, method, least_mass):
    model, images = trained
    maps = method(model)(images, classes=1)
    assert maps.shape == (len(images), SIZE, SIZE) and maps.dtype == np.float32
    assert maps.min() >= 0 and maps.max() <= 1 + 1e-6
    # The quadrant is a quarter of the image; a map that ignored position would put ~25 % there.
    assert _top_left_peaks(maps) >= 7 / 8
    assert _top_left_mass(maps) > least_mass


def test_the_default_class_is_the_predicted_one(trained):
    model, images = trained
    method = GradCAM(model)
    np.testing.assert_allclose(method(images), method(images, classes=1), atol=1e-6)


def test_per_stage_maps_have_the_input_size(trained):
    model, images = trained
    maps = GradCAM(model, stage_layers(model)).per_layer(images[:2])
    assert list(maps) == ["conv1", "conv2", "conv3"]
    assert all(m.shape == (2, SIZE, SIZE) for m in maps.values())


def test_a_bad_layer_or_class_is_refused(trained):
    model, images = trained
    with pytest.raises(ValueError, match="spatial"):
        GradCAM(model, ["pool"])
    with pytest.raises(ValueError, match="no layer"):
        make_method("gradcam", model, "nope")
    with pytest.raises(ValueError, match="class"):
        VanillaSaliency(model)(images, classes=5)
    with pytest.raises(ValueError, match="unknown method"):
        make_method("lime", model)


def test_sanity_check_randomised_head_changes_the_map(trained):
    model, images = trained
    clone = randomized_head(model, seed=3)
    assert not np.allclose(
        clone.get_layer("predictions").kernel, model.get_layer("predictions").kernel
    )
    np.testing.assert_array_equal(clone.get_layer("conv2").kernel, model.get_layer("conv2").kernel)
    result = sanity_check("gradcam", model, images[:4], classes=1, seed=3)
    assert result.randomized.shape == result.original.shape
    # Grad-CAM depends on the head: its map must change (Adebayo et al.: a map that does not
    # change explains nothing). The same map against itself correlates fully.
    assert np.mean(result.rank_correlation) < 0.8
    assert rank_correlation(result.original[0], result.original[0]) == pytest.approx(1.0)


def test_rank_correlation_matches_a_small_hand_computed_case():
    # Ranks (1, 2, 3, 4) against (1, 3, 2, 4): rho = 1 - 6 * 2 / (4 * 15) = 0.8.
    assert rank_correlation(np.array([1, 2, 3, 4]), np.array([10, 30, 20, 40])) == pytest.approx(
        0.8
    )


def test_a_nested_model_is_looked_into(trained):
    """A run's model nests the zoo model behind its input standardisation (training.recipe);
    with an identity standardisation, the maps are those of the bare model."""
    model, images = trained
    normalization = keras.layers.Normalization(axis=-1, mean=0.0, variance=1.0, name="std")
    inputs = keras.Input(model.input_shape[1:], name="images")
    wrapped = keras.Model(inputs, model(normalization(inputs)), name="wrapped")
    assert default_target_layer(wrapped) == "conv3"
    assert stage_layers(wrapped) == stage_layers(model)
    for method in (GradCAM, VanillaSaliency):
        np.testing.assert_allclose(
            method(wrapped)(images[:3]), method(model)(images[:3]), atol=1e-4
        )
    # Twice: building the explanation calls the chain again, which must not hide the core.
    assert default_target_layer(wrapped) == "conv3"
    sanity = sanity_check("gradcam", wrapped, images[:2], classes=1)
    assert sanity.randomized.shape == (2, SIZE, SIZE)


def test_resnet_stages_end_after_each_stage_and_padding_is_passed_over():
    from cnnstudio.models import create_model

    model = create_model("resnet18", (64, 64, 3), 10)
    assert default_target_layer(model) == "conv5_block2_out"
    # One map per stage (conv1 at 32 x 32, then the four stages); pool1_pad (34 x 34) is no stage.
    assert stage_layers(model) == [
        "conv1_relu",
        "conv2_block2_out",
        "conv3_block2_out",
        "conv4_block2_out",
        "conv5_block2_out",
    ]


def test_the_overlay_is_a_uint8_picture_of_the_image_in_grey_with_the_map_on_top():
    from cnnstudio.engine.insight.explain import overlay

    image = np.full((4, 5, 1), 0.5, np.float32)
    heat = np.zeros((4, 5), np.float32)
    heat[0, 0] = 1.0
    picture = overlay(image, heat)
    assert picture.dtype == np.uint8 and picture.shape == (4, 5, 3)
    assert (picture[1:, 1:] == 127).all()  # no heat: the image's own grey
    red, green, blue = picture[0, 0].astype(int)
    assert red == green > blue  # full heat: yellow over the grey
    rgb = overlay(np.full((4, 5, 3), 0.5, np.float32), heat)
    np.testing.assert_array_equal(rgb, picture)  # colour images are shown in grey too
