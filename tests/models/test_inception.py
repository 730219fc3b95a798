"""Inception family: what the table-driven zoo tests do not see (auxiliary heads, stems, the
options of v1 and v2, equality with keras.applications.InceptionV3)."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest

from cnnstudio.models import create_model
from tests.models.builds import shape_only

NORMALIZATIONS = ("batch", "layer", "instance", "group", "none")


def spatial(model, layer_name: str) -> tuple[int, int]:
    return tuple(model.get_layer(layer_name).output.shape[1:3])


def test_v1_is_the_paper_model_by_default_biases_and_no_normalisation():
    model = shape_only("inception_v1", (32, 32, 3), 10)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) == 57  # 3 in the stem, 6 in each of the 9 modules
    assert all(conv.use_bias for conv in convs)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers)
    assert model.get_layer("top_dropout").rate == pytest.approx(0.4)


def test_v1_with_batchnorm_drops_the_convolution_biases():
    model = shape_only("inception_v1", (32, 32, 3), 10, normalization="batch")
    assert not model.get_layer("inception_3a_5x5_conv").use_bias
    assert isinstance(model.get_layer("inception_3a_5x5_bn"), keras.layers.BatchNormalization)


@pytest.mark.parametrize(
    ("name", "shape", "expected"),
    [
        # The small stem halves 32 x 32: the modules run at 16, 8 and 4.
        (
            "inception_v1",
            (32, 32, 3),
            {
                "inception_3b_concat": (16, 16),
                "inception_4e_concat": (8, 8),
                "inception_5b_concat": (4, 4),
            },
        ),
        (
            "inception_v2",
            (32, 32, 1),
            {
                "inception_3b_concat": (16, 16),
                "inception_3c_concat": (8, 8),
                "inception_5b_concat": (4, 4),
            },
        ),
        ("inception_v3", (32, 32, 3), {"mixed2": (16, 16), "mixed7": (7, 7), "mixed10": (3, 3)}),
    ],
)
def test_small_stem_grids(name, shape, expected):
    model = shape_only(name, shape, 10)
    for layer_name, grid in expected.items():
        assert spatial(model, layer_name) == grid, layer_name


@pytest.mark.parametrize(
    ("name", "threshold", "canonical_grids"),
    [
        ("inception_v1", 64, {"inception_3a_concat": (28, 28), "inception_5b_concat": (7, 7)}),
        ("inception_v3", 75, {"mixed0": (35, 35), "mixed3": (17, 17), "mixed10": (8, 8)}),
    ],
)
def test_auto_stem_switches_at_the_documented_size(name, threshold, canonical_grids):
    below = shape_only(name, (threshold - 1, threshold - 1, 3), 10)
    at = shape_only(name, (threshold, threshold, 3), 10)
    assert below.get_layer("conv1_conv").strides == (1, 1)
    assert at.get_layer("conv1_conv").strides == (2, 2)
    canonical = shape_only(name, {"inception_v1": (224, 224, 3)}.get(name, (299, 299, 3)), 1000)
    for layer_name, grid in canonical_grids.items():
        assert spatial(canonical, layer_name) == grid, layer_name


@pytest.mark.parametrize(
    ("name", "minimum", "too_small"),
    [("inception_v1", 32, 31), ("inception_v2", 32, 16), ("inception_v3", 32, 31)],
)
def test_imagenet_stem_on_too_small_images_says_why(name, minimum, too_small):
    with pytest.raises(
        ValueError,
        match=rf"at least {minimum}x{minimum}.*stem='small'.*"
        rf"received {too_small}x{too_small}x3",
    ):
        create_model(name, (too_small, too_small, 3), 10, stem="imagenet")
    shape_only(name, (minimum, minimum, 3), 10, stem="imagenet")


def test_v3_imagenet_stem_pads_only_the_windows_that_do_not_fit():
    keras_minimum = shape_only("inception_v3", (75, 75, 3), 10, stem="imagenet")
    assert spatial(keras_minimum, "mixed0") == (7, 7)
    assert spatial(keras_minimum, "mixed10") == (1, 1)
    assert keras_minimum.get_layer("mixed8_3x3_conv").padding == "valid"
    tiny = shape_only("inception_v3", (32, 32, 3), 10, stem="imagenet")
    assert tiny.get_layer("conv1_conv").padding == "valid"  # 32 -> 15
    assert tiny.get_layer("mixed3_3x3_conv").padding == "same"  # 1 x 1 from here on
    assert spatial(tiny, "mixed10") == (1, 1)


@pytest.mark.parametrize(
    ("name", "shape", "stem", "heads"),
    [
        ("inception_v1", (32, 32, 3), "small", ("aux1_predictions", "aux2_predictions")),
        # The ImageNet stem leaves 4a and 4d at 2 x 2: the 5x5 pool shrinks to the map.
        ("inception_v1", (32, 32, 3), "imagenet", ("aux1_predictions", "aux2_predictions")),
        ("inception_v1", (320, 320, 3), "auto", ("aux1_predictions", "aux2_predictions")),
        ("inception_v3", (32, 32, 3), "small", ("aux_predictions",)),
        ("inception_v3", (75, 75, 3), "imagenet", ("aux_predictions",)),
    ],
)
def test_auxiliary_heads_are_extra_outputs_after_the_main_one(name, shape, stem, heads):
    model = create_model(name, shape, 10, aux_logits=True, stem=stem)
    assert model.output_names == ["predictions", *heads]
    batch = np.random.default_rng(0).random((2, *shape), dtype=np.float32)
    outputs = model(batch, training=False)
    assert len(outputs) == 1 + len(heads)
    for output in outputs:
        probabilities = keras.ops.convert_to_numpy(output)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-4)


def test_auxiliary_heads_have_the_papers_shapes_at_canonical_size():
    v1 = shape_only("inception_v1", aux_logits=True)
    assert spatial(v1, "aux1_pool") == (4, 4)  # 14 x 14 -> avg-pool 5x5/3
    assert v1.get_layer("aux1_fc").kernel.shape == (4 * 4 * 128, 1024)
    assert v1.get_layer("aux2_dropout").rate == pytest.approx(0.7)
    keras.backend.clear_session()
    v3 = shape_only("inception_v3", aux_logits=True)
    assert spatial(v3, "aux_pool") == (5, 5)  # 17 x 17 -> avg-pool 5x5/3
    assert spatial(v3, "aux_5x5_conv") == (1, 1)


# test_zoo tries every option combination on one model per family (v3); these cover the rest.
@pytest.mark.parametrize(
    ("name", "options"),
    [
        *[
            ("inception_v1", {"normalization": n, "stem": s, "aux_logits": True})
            for n, s in itertools.product(NORMALIZATIONS, ("small", "imagenet"))
        ],
        *[
            ("inception_v2", {"normalization": n, "stem": "imagenet", "activation": "tanh"})
            for n in NORMALIZATIONS
        ],
    ],
    ids=lambda value: value if isinstance(value, str) else ",".join(map(str, value.values())),
)
def test_v1_and_v2_options_build_on_small_images(name, options):
    keras.backend.clear_session()
    model = shape_only(name, (32, 32, 3), 10, dropout=0.25, **options)
    assert tuple(model.outputs[0].shape) == (None, 10)


@pytest.mark.slow
def test_v3_is_keras_applications_inception_v3_layer_for_layer():
    ours = create_model("inception_v3")
    reference = keras.applications.InceptionV3(weights=None)
    assert [w.shape for w in ours.weights] == [w.shape for w in reference.weights]
    # Same weights, same function: ImageNet weights for keras.applications load into ours.
    ours.set_weights(reference.get_weights())
    batch = np.random.default_rng(0).random((1, 299, 299, 3), dtype=np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(ours(batch)),
        keras.ops.convert_to_numpy(reference(batch)),
        atol=1e-6,
    )
