"""ResNet, ResNeXt and DenseNet: stems, reference layouts and keras.applications compatibility.

The registry-wide checks (counts, training, option combinations) live in test_zoo.py.
"""

from __future__ import annotations

import keras
import pytest

from cnnstudio.models import create_model
from tests.models.builds import shape_only, without_weights


def layer_names(model) -> set[str]:
    return {layer.name for layer in model.layers}


@pytest.mark.parametrize(
    ("stem", "size", "conv5"),
    [("small", 32, 4), ("auto", 32, 4), ("small", 8, 1), ("imagenet", 32, 1), ("auto", 64, 2)],
)
def test_resnet_stem_sets_the_final_resolution(stem, size, conv5):
    model = shape_only("resnet18", (size, size, 3), 10, stem=stem)
    assert model.get_layer("conv5_block2_out").output.shape[1:3] == (conv5, conv5)
    assert ("pool1_pool" in layer_names(model)) == (conv5 * 32 <= size)


@pytest.mark.parametrize(("stem", "conv5"), [("small", 4), ("imagenet", 1)])
def test_densenet_stem_sets_the_final_resolution(stem, conv5):
    model = shape_only("densenet121", (32, 32, 3), 10, stem=stem)
    assert model.get_layer("conv5_block16_concat").output.shape[1:] == (conv5, conv5, 1024)
    assert ("pool1" in layer_names(model)) == (stem == "imagenet")
    kernel = model.get_layer("conv1_conv").kernel.shape
    assert tuple(kernel) == ((3, 3, 3, 64) if stem == "small" else (7, 7, 3, 64))


@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d", "densenet121"])
def test_imagenet_stem_refuses_small_inputs_with_a_clear_message(name):
    with pytest.raises(ValueError, match=r"at least 32x32.*received 16x16x3"):
        create_model(name, (16, 16, 3), 10, stem="imagenet")


def test_each_resnet_half_matches_its_reference_layout():
    # torchvision: no conv biases, epsilon 1e-5; keras.applications: biases, epsilon 1.001e-5.
    tv = shape_only("resnet18", (32, 32, 3), 10)
    ka = shape_only("resnet50", (32, 32, 3), 10)
    assert not tv.get_layer("conv2_block1_1_conv").use_bias
    assert tv.get_layer("conv2_block1_1_bn").epsilon == pytest.approx(1e-5)
    assert ka.get_layer("conv2_block1_1_conv").use_bias
    assert ka.get_layer("conv2_block1_1_bn").epsilon == pytest.approx(1.001e-5)
    # v1 bottleneck: the stride sits on the first 1x1 convolution.
    assert tuple(ka.get_layer("conv3_block1_1_conv").strides) == (2, 2)


def test_normalization_none_gives_the_bias_back():
    model = shape_only("resnet18", (32, 32, 3), 10, normalization="none")
    assert model.get_layer("conv2_block1_1_conv").use_bias
    assert not any(name.endswith("_bn") for name in layer_names(model))


@pytest.mark.parametrize(("cardinality", "width", "channels"), [(32, 4, 128), (8, 8, 64)])
def test_resnext_groups_follow_cardinality_and_width(cardinality, width, channels):
    model = shape_only("resnext50_32x4d", (32, 32, 3), 10, cardinality=cardinality, width=width)
    conv = model.get_layer("conv2_block1_2_conv")
    assert (conv.groups, conv.filters) == (cardinality, channels)
    assert model.get_layer("conv5_block3_out").output.shape[-1] == 2048


@pytest.mark.parametrize("normalization", ["batch", "layer", "instance", "group", "none"])
@pytest.mark.parametrize("name", ["resnet18", "resnext50_32x4d"])
def test_basic_and_grouped_blocks_take_every_normalization(name, normalization):
    # test_zoo tries every option on one model per family (ResNet-152: bottlenecks only).
    keras.backend.clear_session()
    model = shape_only(name, (32, 32, 1), 10, normalization=normalization, activation="tanh")
    assert tuple(model.output_shape) == (None, 10)


@pytest.mark.parametrize(
    ("name", "application"), [("resnet50", "ResNet50"), ("densenet121", "DenseNet121")]
)
def test_weights_line_up_with_keras_applications_by_name(name, application):
    """Same layer names and weight shapes: keras.applications weights load by name."""
    ours = shape_only(name, (32, 32, 3), 10, stem="imagenet")
    with without_weights():
        theirs = getattr(keras.applications, application)(
            weights=None, input_shape=(32, 32, 3), classes=10
        )

    def weight_shapes(model):
        return {
            layer.name: [tuple(w.shape) for w in layer.weights]
            for layer in model.layers
            if layer.weights
        }

    assert weight_shapes(ours) == weight_shapes(theirs)
