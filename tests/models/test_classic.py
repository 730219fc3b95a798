"""LeNet-5, AlexNet, VGG and NiN: what the table-driven zoo tests cannot know."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnstudio.models import create_model, get_model_info
from cnnstudio.models.alexnet import LocalResponseNormalization
from tests.models.builds import shape_only, without_weights


def layer_names(model: keras.Model) -> list[str]:
    return [layer.name for layer in model.layers]


def trainable_count(model: keras.Model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_lenet5_has_the_paper_layers_and_shapes():
    model = shape_only("lenet5", (32, 32, 1), 10)
    assert layer_names(model) == [
        "input",
        "c1_conv",
        "c1_tanh",
        "s2_pool",
        "c3_conv",
        "c3_tanh",
        "s4_pool",
        "c5_conv",
        "c5_tanh",
        "c5_flatten",
        "f6_dense",
        "f6_tanh",
        "predictions",
    ]
    assert tuple(model.get_layer("c1_conv").output.shape) == (None, 28, 28, 6)
    assert tuple(model.get_layer("s4_pool").output.shape) == (None, 5, 5, 16)
    assert tuple(model.get_layer("c5_conv").output.shape) == (None, 1, 1, 120)
    # The formula the app shows: 5*5*1*6 + 6 = 156.
    assert model.get_layer("c1_conv").count_params() == 156


def test_lenet5_on_larger_images_grows_the_flatten_before_f6():
    model = shape_only("lenet5", (64, 64, 1), 10)
    # c5: 9 x 9 x 120 at 64 x 64
    assert tuple(model.get_layer("c5_flatten").output.shape) == (None, 9 * 9 * 120)


def test_alexnet_paper_shapes_and_two_gpu_grouping():
    model = shape_only("alexnet", (227, 227, 3), 1000)
    assert tuple(model.get_layer("conv1_conv").output.shape) == (None, 55, 55, 96)
    assert tuple(model.get_layer("pool5").output.shape) == (None, 6, 6, 256)
    # Each group of conv2 sees 48 of conv1's 96 maps.
    assert tuple(model.get_layer("conv2_conv").kernel.shape) == (5, 5, 48, 256)
    assert tuple(model.get_layer("conv3_conv").kernel.shape) == (3, 3, 256, 384)
    # Dropout on the outputs of fc6 and fc7, as in the paper.
    names = layer_names(model)
    assert names[names.index("fc6") :] == [
        "fc6",
        "fc6_relu",
        "fc6_dropout",
        "fc7",
        "fc7_relu",
        "fc7_dropout",
        "predictions",
    ]


def test_alexnet_single_tower_has_full_convolutions():
    model = shape_only("alexnet", (227, 227, 3), 1000, grouped=False)
    assert tuple(model.get_layer("conv2_conv").kernel.shape) == (5, 5, 96, 256)
    assert model.count_params() == 62_378_344


@pytest.mark.parametrize(
    ("name", "first_conv", "side", "kernel"),
    [
        ("alexnet", "conv1_conv", 95, 3),
        ("alexnet", "conv1_conv", 96, 11),
        ("nin", "mlpconv1_1_conv", 95, 5),
        ("nin", "mlpconv1_1_conv", 96, 11),
    ],
)
def test_auto_stem_takes_the_paper_stem_from_96_pixels(name, first_conv, side, kernel):
    model = shape_only(name, (side, side, 3), 10)
    assert model.get_layer(first_conv).kernel_size == (kernel, kernel)


def test_alexnet_paper_stem_below_its_window_says_why():
    info = get_model_info("alexnet")
    options = info.resolve_options({"stem": "imagenet"})
    with pytest.raises(ValueError, match=r"at least 11x11.*received 10x10x3"):
        info.builder(input_shape=(10, 10, 3), num_classes=10, **options)


def test_nin_paper_layout_below_its_window_says_why():
    with pytest.raises(ValueError, match=r"at least 11x11.*received 10x10x3"):
        create_model("nin", (10, 10, 3), 10, stem="imagenet")
    assert shape_only("nin", (10, 10, 3), 10).output_shape == (None, 10)


def lrn_reference(x: np.ndarray, size=5, k=2.0, alpha=1e-4, beta=0.75) -> np.ndarray:
    radius = size // 2
    channels = x.shape[-1]
    out = np.empty_like(x)
    for c in range(channels):
        window = x[..., max(0, c - radius) : min(channels, c + radius + 1)]
        out[..., c] = x[..., c] / (k + alpha * np.sum(window**2, axis=-1)) ** beta
    return out


def test_local_response_normalisation_follows_the_paper_formula():
    x = np.random.default_rng(0).normal(scale=30.0, size=(2, 4, 4, 7)).astype(np.float32)
    layer = LocalResponseNormalization()
    result = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(result, lrn_reference(x), rtol=1e-5)
    assert LocalResponseNormalization.from_config(layer.get_config()).get_config() == (
        layer.get_config()
    )


def test_alexnet_with_lrn_saves_and_loads_in_safe_mode(tmp_path):
    model = create_model("alexnet", (32, 32, 3), 10, lrn=True)
    assert isinstance(model.get_layer("conv1_lrn"), LocalResponseNormalization)
    assert isinstance(model.get_layer("conv2_lrn"), LocalResponseNormalization)
    path = tmp_path / "alexnet.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    batch = np.random.default_rng(2).random((2, 32, 32, 3), dtype=np.float32)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(batch)),
        keras.ops.convert_to_numpy(model(batch)),
        rtol=1e-5,
        atol=1e-7,
    )


def test_vgg16_matches_keras_applications_layer_by_layer():
    ours = shape_only("vgg16", (32, 32, 3), 10, dropout=0.0)
    with without_weights():
        theirs = keras.applications.VGG16(weights=None, input_shape=(32, 32, 3), classes=10)
    # Only the input and the flatten differ: the zoo's tests reserve Keras's auto-names.
    renamed = {"input": "input_layer", "block5_flatten": "flatten"}
    assert [renamed.get(n, n) for n in layer_names(ours)] == layer_names(theirs)
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]


@pytest.mark.parametrize(("name", "trainable"), [("vgg11", 132_868_840), ("vgg16", 138_365_992)])
def test_vgg_batch_norm_variant_matches_torchvision(name, trainable):
    model = shape_only(name, (224, 224, 3), 1000, normalization="batch")
    assert trainable_count(model) == trainable
    names = layer_names(model)
    assert names[1:4] == ["block1_conv1", "block1_conv1_bn", "block1_conv1_relu"]


def test_vgg_dropout_sits_between_the_fc_layers():
    names = layer_names(shape_only("vgg11", (32, 32, 3), 10))
    assert names[-5:] == ["fc1", "fc1_dropout", "fc2", "fc2_dropout", "predictions"]


def test_nin_small_layout_is_the_papers_cifar_network():
    model = shape_only("nin", (32, 32, 3), 10)
    assert model.get_layer("mlpconv1_1_conv").filters == 192
    assert model.get_layer("mlpconv1_3_conv").filters == 96
    assert tuple(model.get_layer("pool1").output.shape) == (None, 16, 16, 96)
    assert tuple(model.get_layer("pool2").output.shape) == (None, 8, 8, 192)
    assert model.get_layer("mlpconv3_3_conv").filters == 10
    assert layer_names(model)[-3:] == ["mlpconv3_3_relu", "avg_pool", "predictions"]
    assert "pool1_dropout" in layer_names(model) and "pool2_dropout" in layer_names(model)


def test_nin_imagenet_layout_shapes():
    model = shape_only("nin", (224, 224, 3), 1000)
    assert tuple(model.get_layer("mlpconv1_3_relu").output.shape) == (None, 54, 54, 96)
    assert tuple(model.get_layer("pool3").output.shape) == (None, 5, 5, 384)
    assert tuple(model.get_layer("mlpconv4_3_conv").output.shape) == (None, 5, 5, 1000)
    assert "pool3_dropout" in layer_names(model) and "pool1_dropout" not in layer_names(model)
