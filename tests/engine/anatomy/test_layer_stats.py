"""Layer statistics: totals against the references, formulas, receptive fields, graph edges, a
cross-check against TensorFlow's own operation count, and the shipped zoo catalog."""

from __future__ import annotations

import json
import math

import keras
import pytest
from keras import layers

from cnnstudio.engine.anatomy.catalog import load_catalog
from cnnstudio.engine.anatomy.layer_stats import (
    ReceptiveField,
    block_of,
    compute_model_stats,
    format_count,
    format_int,
)
from cnnstudio.models import create_model, get_model_info, list_models
from tests.models.builds import shape_only
from tests.reference_figures import DEFAULT_MACS_RTOL, MACS_RTOL, REFERENCES

SMALL = (32, 32, 3)


# --- totals against the references ----------------------------------------------------------


REFERENCE_OF = {ref.model: ref for ref in REFERENCES}


@pytest.mark.parametrize("name", [info.name for info in list_models()])
def test_canonical_figures_equal_the_references_and_the_catalog(name):
    """Every figure of a model at its canonical input, checked once: parameters (total and
    trainable) and MACs against the published references, and the shipped catalog against
    fresh statistics. When the catalog is stale: python -m cnnstudio.engine.anatomy.catalog
    --write"""
    info = get_model_info(name)
    model = shape_only(name, info.canonical_input, info.default_classes)
    stats = compute_model_stats(model)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert stats.params == model.count_params()
    assert stats.trainable_params == trainable
    assert stats.flops == 2 * stats.macs

    ref = REFERENCE_OF.get(name)  # NiN has no published ImageNet figures to check against
    if ref is not None:
        assert (ref.input_shape, ref.num_classes, ref.options) == (
            info.canonical_input,
            info.default_classes,
            {},
        ), "references are taken at the canonical input with default options"
        if ref.total is not None:
            assert stats.params == pytest.approx(ref.total, rel=ref.params_rtol, abs=0)
        if ref.trainable is not None:
            assert trainable == pytest.approx(ref.trainable, rel=ref.params_rtol, abs=0)
        if ref.macs is not None:
            rtol = MACS_RTOL.get(name, DEFAULT_MACS_RTOL)
            assert stats.macs == pytest.approx(ref.macs, rel=rtol)

    entry = load_catalog().get(name)
    assert entry is not None, f"{name} is missing from the catalog"
    assert entry.input_shape == info.canonical_input
    assert entry.num_classes == info.default_classes
    assert (entry.params, entry.trainable_params, entry.macs) == (
        stats.params,
        stats.trainable_params,
        stats.macs,
    )


# --- LeNet-5, checked by hand -------------------------------------------------------------


@pytest.fixture(scope="module")
def lenet5():
    return compute_model_stats(shape_only("lenet5", (32, 32, 1), 10))


def test_lenet5_formulas_are_the_papers_arithmetic(lenet5):
    formulas = {layer.name: layer.formula for layer in lenet5.layers if layer.formula}
    assert formulas == {
        "c1_conv": "5*5*1*6 + 6 = 156",
        "c3_conv": "5*5*6*16 + 16 = 2,416",
        "c5_conv": "5*5*16*120 + 120 = 48,120",
        "f6_dense": "120*84 + 84 = 10,164",
        "predictions": "84*10 + 10 = 850",
    }
    assert lenet5.params == 61_706


def test_lenet5_macs_per_layer(lenet5):
    # Output positions x kernel volume x output channels.
    assert lenet5.layer("c1_conv").macs == 28 * 28 * 6 * (5 * 5 * 1)
    assert lenet5.layer("c3_conv").macs == 10 * 10 * 16 * (5 * 5 * 6)
    assert lenet5.layer("c5_conv").macs == 1 * 1 * 120 * (5 * 5 * 16)
    assert lenet5.layer("f6_dense").macs == 120 * 84
    assert lenet5.layer("s2_pool").macs == 0
    assert lenet5.macs == 416_520


def test_lenet5_receptive_fields(lenet5):
    # r_out = r_in + (k - 1) * j_in and j_out = j_in * stride: C1 5x5 sees 5 pixels, S2 (2x2,
    # stride 2) 5 + 1 = 6 with jump 2, C3 6 + 4*2 = 14, S4 14 + 1*2 = 16 with jump 4,
    # C5 16 + 4*4 = 32: the whole 32x32 image.
    expected = {
        "input": (1, 1),
        "c1_conv": (5, 1),
        "c1_tanh": (5, 1),
        "s2_pool": (6, 2),
        "c3_conv": (14, 2),
        "s4_pool": (16, 4),
        "c5_conv": (32, 4),
    }
    for name, (size, jump) in expected.items():
        assert lenet5.layer(name).receptive_field == ReceptiveField((size, size), (jump, jump))
    assert lenet5.layer("c5_flatten").receptive_field is None
    assert lenet5.layer("predictions").receptive_field is None


def test_lenet5_shapes_blocks_and_edges(lenet5):
    c3 = lenet5.layer("c3_conv")
    assert c3.type == "Conv2D"
    assert c3.input_shapes == ((None, 14, 14, 6),)
    assert c3.output_shape == (None, 10, 10, 16)
    assert c3.block == "c3"
    assert c3.inbound == ("s2_pool",)
    assert lenet5.layers[0].name == "input"
    assert lenet5.edges()[0] == ("input", "c1_conv")


def test_to_dict_is_json_and_carries_the_totals(lenet5):
    data = json.loads(json.dumps(lenet5.to_dict()))
    assert data["totals"] == {
        "params": 61_706,
        "trainable_params": 61_706,
        "non_trainable_params": 0,
        "macs": 416_520,
        "flops": 833_040,
    }
    c1 = next(layer for layer in data["layers"] if layer["name"] == "c1_conv")
    assert c1["formula"] == "5*5*1*6 + 6 = 156"
    assert c1["receptive_field"] == {"size": [5, 5], "jump": [1, 1]}
    assert c1["output_shapes"] == [[None, 28, 28, 6]]


# --- graph edges, normalisation and grouped formulas on the zoo --------------------------------


@pytest.mark.parametrize("name", ["resnet18"])
def test_a_residual_add_has_two_inbound_layers(name):
    stats = compute_model_stats(shape_only(name, SMALL, 10))
    add = stats.layer("conv2_block1_add")
    assert add.type == "Add"
    assert len(add.inbound) == 2
    assert "conv2_block1_out" in stats.layer("conv2_block2_add").inbound  # the identity shortcut
    names = [layer.name for layer in stats.layers]
    for source, target in stats.edges():
        assert names.index(source) < names.index(target), "layers come in topological order"
    bn = stats.layer("conv2_block1_1_bn")
    assert bn.formula == "4*64 = 256 (128 trainable)"
    assert (bn.trainable_params, bn.non_trainable_params) == (128, 128)
    # A merge sees what its widest input sees.
    assert add.receptive_field.size == max(
        (stats.layer(n).receptive_field.size for n in add.inbound), key=sum
    )


@pytest.mark.parametrize("name", ["inception_v1"])
def test_an_inception_concat_has_four_inbound_layers(name):
    stats = compute_model_stats(shape_only(name, SMALL, 10))
    concat = stats.layer("inception_3a_concat")
    assert concat.type == "Concatenate"
    assert len(concat.inbound) == 4
    assert all(block_of(n) == "inception_3a" for n in concat.inbound)
    assert {layer.block for layer in stats.layers} >= {"inception_3a", "inception_5b"}


@pytest.mark.parametrize("name", ["resnext50_32x4d"])
def test_grouped_convolution_formula_shows_the_groups(name):
    stats = compute_model_stats(shape_only(name, SMALL, 10))
    conv = stats.layer("conv2_block1_2_conv")
    assert conv.formula == "3*3*(128/32)*128 = 4,608"
    height, width = conv.output_shape[1:3]
    assert conv.macs == height * width * 128 * 3 * 3 * (128 // 32)


def test_group_normalization_formula():
    model = shape_only("resnet18", SMALL, 10, normalization="group")
    assert compute_model_stats(model).layer("conv1_gn").formula == "2*64 = 128"


# --- layers the zoo does not use (yet) ------------------------------------------------------


def test_depthwise_separable_dilated_shared_and_nested_layers():
    keras.utils.set_random_seed(0)
    inner_input = keras.Input((5, 5, 6))
    inner = keras.Model(
        inner_input,
        layers.Conv2D(4, 3, padding="same", name="inner_conv")(inner_input),
        name="inner",
    )
    image = keras.Input((16, 16, 3), name="input")
    shared = layers.Conv2D(4, 3, padding="same", name="shared_conv")
    x = layers.Add(name="merge")([shared(image), shared(image)])
    x = layers.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(x)  # 14x14x8
    x = layers.SeparableConv2D(6, 3, dilation_rate=2, name="sep")(x)  # 10x10x6
    x = layers.MaxPooling2D(name="pool")(x)  # 5x5x6
    x = inner(x)
    x = layers.Flatten(name="flatten")(x)
    stats = compute_model_stats(keras.Model(image, layers.Dense(5, use_bias=False, name="head")(x)))

    shared_stats = stats.layer("shared_conv")
    assert shared_stats.calls == 2
    assert shared_stats.macs == 2 * 16 * 16 * 4 * 3 * 3 * 3
    assert stats.layer("merge").inbound == ("shared_conv",)
    assert stats.layer("dw").formula == "3*3*4*2 + 8 = 80"
    assert stats.layer("dw").macs == 14 * 14 * 8 * 3 * 3
    assert stats.layer("sep").formula == "3*3*8*1 + 1*1*8*6 + 6 = 126"
    assert stats.layer("sep").macs == 10 * 10 * (8 * 3 * 3 + 8 * 6)
    assert stats.layer("inner").macs == 5 * 5 * 4 * 3 * 3 * 6
    assert stats.layer("head").formula == "100*5 = 500"
    # 3 -> 3 (merge) -> 5 (dw) -> 9 (sep: dilated 3x3 spans 5) -> 10, jump 2 (pool)
    # -> 14 (the nested model's 3x3 conv at jump 2).
    fields = {
        n: stats.layer(n).receptive_field.size[0] for n in ("merge", "dw", "sep", "pool", "inner")
    }
    assert fields == {"merge": 3, "dw": 5, "sep": 9, "pool": 10, "inner": 14}
    assert stats.params == sum(layer.count_params() for layer in (shared, inner)) + 80 + 126 + 500


def test_a_subclassed_model_is_refused_with_a_reason():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Subclassed()
    model(keras.ops.ones((1, 3)))
    with pytest.raises(ValueError, match="functional"):
        compute_model_stats(model)


# --- cross-check against TensorFlow's profiler ----------------------------------------------

# Profiler op types that are convolutions or matrix products: their float-op count is 2 x MACs.
# BiasAdd, activations, pooling, normalisation and softmax are left out, as in our MACs.
MAC_OP_TYPES = {"Conv2D", "DepthwiseConv2dNative", "MatMul", "BatchMatMulV2"}


def profiler_mac_flops(model: keras.Model) -> tuple[int, dict[str, int]]:
    import tensorflow as tf

    spec = tf.TensorSpec((1, *model.input_shape[1:]), tf.float32)
    graph = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=graph, cmd="op", options=options)
    per_type: dict[str, int] = {}
    # The op view nests each op type under the previous one; walk the whole tree.
    pending = list(profile.children)
    while pending:
        node = pending.pop()
        per_type[node.name] = per_type.get(node.name, 0) + node.float_ops
        pending.extend(node.children)
    return sum(n for op, n in per_type.items() if op in MAC_OP_TYPES), per_type


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("lenet5", (32, 32, 1)),
        ("resnet18", SMALL),
        ("vgg11", SMALL),
    ],
)
def test_macs_agree_with_tensorflows_profiler(name, shape):
    model = create_model(name, shape, 10)  # traced, so it needs real weights
    flops, per_type = profiler_mac_flops(model)
    assert "Conv2D" in per_type and flops > 0
    assert flops == pytest.approx(2 * compute_model_stats(model).macs, rel=0.01)


# --- blocks and numbers for people ------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "block"),
    [
        ("conv3_block2_1_conv", "conv3_block2"),
        ("conv4_block24_concat", "conv4_block24"),
        ("inception_3a_5x5_reduce_conv", "inception_3a"),
        ("inception_3a_concat", "inception_3a"),
        ("mixed0_3x3dbl_reduce_conv", "mixed0"),
        ("mixed_5b_concat", "mixed_5b"),
        ("block1_conv1", "block1"),
        ("conv1_bn", "conv1"),
        ("pool2_pool", "pool2"),
        ("fc6", "fc6"),
        ("fc6_dropout", "fc6"),
        ("c1_conv", "c1"),
        ("mlpconv1_2_conv", "mlpconv1"),
        ("input", ""),
        ("flatten", ""),
        ("predictions", ""),
        ("avg_pool", ""),
    ],
)
def test_block_of(layer, block):
    assert block_of(layer) == block


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (156, "156"),
        (999, "999"),
        (1000, "1.00 k"),
        (61_706, "61.7 k"),
        (416_520, "417 k"),
        (999_950, "1.00 M"),
        (138_357_544, "138 M"),
        (1_814_073_344, "1.81 G"),
        (15_470_264_320, "15.5 G"),
        (2.5e15, "2500 T"),
    ],
)
def test_format_count(value, text):
    assert format_count(value) == text


def test_format_int():
    assert format_int(61_706) == "61,706"
