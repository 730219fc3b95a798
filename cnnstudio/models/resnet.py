"""ResNet and ResNeXt: residual networks with basic, bottleneck and grouped bottleneck blocks.

References:
    - He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016
      (arXiv:1512.03385): ResNet-18/34 (basic blocks) and ResNet-50/101/152 (bottlenecks).
    - Xie, Girshick, Dollár, Tu and He, "Aggregated Residual Transformations for Deep Neural
      Networks", CVPR 2017 (arXiv:1611.05431): ResNeXt-50 (32x4d).

Two reference layouts, each matched exactly, so every parameter count equals the one people look
up (see REFERENCE.md):

    - ResNet-18, ResNet-34 and ResNeXt-50 follow torchvision (keras.applications has none of
      them): convolutions without biases (the BatchNorm offset that follows makes a bias
      redundant), BatchNorm epsilon 1e-5 and momentum 0.9 (PyTorch's 0.1), and in ResNeXt the
      stride on the 3x3 convolution ("ResNet v1.5").
    - ResNet-50/101/152 follow keras.applications ResNet50/101/152 (v1), whose weights were
      converted from the original Caffe release: every convolution keeps Keras's default bias,
      BatchNorm epsilon 1.001e-5 and momentum 0.99, and each stage's stride sits on the block's
      first 1x1 convolution. Those redundant biases are why keras's ResNet-50 has 25,583,592
      trainable parameters where torchvision's has 25,557,032 (26,560 biases, one per
      convolution filter).

Layer names are keras.applications': `conv1_conv`, `pool1_pool`, `conv2_block1_1_conv`,
`conv2_block1_0_conv` (projection shortcut), `conv2_block1_add`, `conv2_block1_out`, `avg_pool`,
`predictions`. A strided 3x3 convolution gets an explicit symmetric `..._pad` layer, as PyTorch
pads, instead of Keras's lopsided "same".

Small inputs (the `stem` option):
    - "imagenet": the paper's stem, a 7x7 stride-2 convolution and a 3x3 stride-2 max pool,
      then four stages with strides 1, 2, 2, 2: 224 x 224 reaches conv5 at 7 x 7. The total
      stride is 32, so this stem needs inputs of at least 32 x 32 (conv5 at 1 x 1).
    - "small": the 7x7/2 convolution becomes a 3x3 stride-1 convolution with the same 64 filters,
      and there is no `pool1_pad`/`pool1_pool`; the four stages, their widths and strides are
      unchanged, so 32 x 32 images reach conv5 at 4 x 4 (8 x 8 is the least, conv5 at 1 x 1).
      This is the usual CIFAR form of the ImageNet ResNets; He et al.'s own CIFAR networks
      (three stages of 16, 32 and 64 filters) are a different, narrower family.
    - "auto": "small" when the shorter side is below 64 pixels, else "imagenet".

Other options: `normalization` replaces every BatchNorm in place (names `_ln`, `_in`, `_gn`);
with "none" the torchvision-layout convolutions get biases (the keras-layout ones have them
anyway). `activation` replaces every ReLU, including each block's `_out`. `dropout` adds
`top_dropout` between `avg_pool` and `predictions`. ResNeXt also offers `cardinality` (groups)
and `width` (channels per group in conv2).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import keras

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import BlockPattern, ModelCard
from cnnstudio.models import layers
from cnnstudio.models.registry import (
    ACTIVATION,
    DROPOUT,
    NORMALIZATION,
    STEM,
    Option,
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
RESNET_CARD = ModelCard(
    headline=N_("Residual shortcuts make very deep networks trainable."),
    introduced=(
        N_(
            "A residual block outputs F(x) + x: an identity shortcut adds the block's input to "
            "its output, so the layers only learn a correction. A block can do nothing at "
            "all by driving F to zero."
        ),
        N_(
            "This fixed the 'degradation problem': deeper plain networks had higher training "
            "error than shallower ones. Gradients flow straight back through the shortcuts."
        ),
        N_(
            "Bottleneck blocks (ResNet-50 and deeper): 1x1 to reduce channels, 3x3 at the "
            "reduced width, 1x1 to expand again."
        ),
        N_(
            "A 1x1 stride-2 projection on the shortcut where the shape changes; batch "
            "normalisation after every convolution."
        ),
    ),
    why_it_mattered=N_(
        "A 152-layer ResNet won ImageNet 2015 (3.6% top-5 error, an ensemble) and the "
        "shortcut became part of almost every deep architecture since, far beyond "
        "vision, transformers included."
    ),
    worked_example=(
        N_("On 256 channels (biases ignored):"),
        N_("  two 3x3 convs at 256:  2*3*3*256*256             = 1,179,648"),
        N_("  bottleneck 256-64-256: 256*64 + 3*3*64*64 + 64*256 = 69,632"),
    ),
)

RESNEXT_CARD = ModelCard(
    headline=N_("Cardinality: split the bottleneck into many parallel groups."),
    introduced=(
        N_(
            "The 3x3 convolution of a ResNet bottleneck is split into many parallel paths "
            "(the cardinality, 32 here), each of small width (4 channels per group in the "
            "first stage); their outputs are aggregated."
        ),
        N_(
            "These parallel paths are exactly a grouped convolution: each group sees only its "
            "own slice of the channels."
        ),
        N_(
            "Cardinality is a new dimension next to depth and width: at equal parameters and "
            "MACs, more groups gave better accuracy than going deeper or wider."
        ),
    ),
    why_it_mattered=N_(
        "ResNeXt-50 has about the same size and cost as ResNet-50 and is more accurate; "
        "grouped and depthwise convolutions became central to efficient networks "
        "(MobileNet, ShuffleNet, RegNet)."
    ),
    worked_example=(
        N_("3x3 conv, 128 channels in and out, biases ignored:"),
        N_("  dense:       3*3*128*128      = 147,456 weights"),
        N_("  32 groups:   3*3*128*128 / 32 =   4,608 weights"),
    ),
)

# conv3_block2_1_conv is in the residual block conv3_block2, which is in the stage conv3.
RESNET_BLOCKS = (
    BlockPattern(
        r"^([a-z]+\d+_block\d+)(?:_|$)",
        N_("residual block"),
        holder_role=N_("stage"),
        example="conv3_block2_1_conv",
    ),
)

RESNET_PAPER = (
    'He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016 '
    "(arXiv:1512.03385)"
)
RESNEXT_PAPER = (
    'Xie, Girshick, Dollár, Tu and He, "Aggregated Residual Transformations for Deep Neural '
    'Networks", CVPR 2017 (arXiv:1611.05431)'
)

# Depth -> (block kind, blocks per stage conv2..conv5).
DEPTHS = {
    18: ("basic", [2, 2, 2, 2]),
    34: ("basic", [3, 4, 6, 3]),
    50: ("bottleneck", [3, 4, 6, 3]),
    101: ("bottleneck", [3, 4, 23, 3]),
    152: ("bottleneck", [3, 8, 36, 3]),
}
# Base widths of the four stages; bottleneck blocks expand them fourfold.
STAGE_FILTERS = (64, 128, 256, 512)
# The ImageNet stem and stages downsample by 32; below this the small stem is the only choice.
IMAGENET_STEM_MIN = 32
# stem="auto" picks the small stem below this many pixels.
SMALL_STEM_BELOW = 64

CARDINALITY = Option(
    "cardinality",
    32,
    "ResNeXt: number of groups in each 3x3 convolution (the 32 of 32x4d).",
    minimum=1,
    maximum=64,
)
WIDTH = Option(
    "width",
    4,
    "ResNeXt: channels per group in conv2's 3x3 convolutions (the 4d of 32x4d).",
    minimum=1,
    maximum=64,
)
OPTIONS = (NORMALIZATION, ACTIVATION, DROPOUT, STEM)


@dataclass(frozen=True)
class Style:
    """How every convolution-normalisation-activation unit of one network is built."""

    normalization: str
    activation: str
    epsilon: float
    momentum: float
    # Biases even in front of a normalisation (keras.applications ResNet50); None: only when
    # there is no normalisation to absorb them.
    use_bias: bool | None

    def conv(
        self,
        x,
        filters: int,
        kernel_size: int,
        *,
        name: str,
        stride: int = 1,
        groups: int = 1,
        activate: bool = True,
    ):
        """`{name}_conv`, `{name}_bn`, `{name}_relu`; a strided kernel gets `{name}_pad`."""
        padding = "same"
        if stride > 1 and kernel_size > 1:
            # Symmetric padding (PyTorch's, and keras.applications' conv1_pad); "same" would pad
            # only the bottom and right of an even-sized input.
            x = keras.layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
            padding = "valid"
        return layers.conv_bn_act(
            x,
            filters,
            kernel_size,
            name=name,
            strides=stride,
            padding=padding,
            groups=groups,
            use_bias=self.use_bias,
            normalization_kind=self.normalization,
            activation_kind=self.activation if activate else None,
            epsilon=self.epsilon,
            momentum=self.momentum,
        )


# torchvision's ResNet-18/34 and ResNeXt; keras.applications' ResNet-50/101/152.
TORCHVISION = {"epsilon": 1e-5, "momentum": 0.9, "use_bias": None}
KERAS_APPLICATIONS = {"epsilon": 1.001e-5, "momentum": 0.99, "use_bias": True}


def _shortcut(x, filters: int, *, stride: int, name: str, style: Style):
    """Identity, or a 1x1 projection (`{name}_0_conv`) where the shape changes."""
    if stride == 1 and x.shape[-1] == filters:
        return x
    return style.conv(x, filters, 1, stride=stride, name=f"{name}_0", activate=False)


def _merge(shortcut, x, *, name: str, style: Style):
    x = keras.layers.Add(name=f"{name}_add")([shortcut, x])
    return keras.layers.Activation(style.activation, name=f"{name}_out")(x)


def basic_block(x, filters: int, *, stride: int, name: str, style: Style):
    """Two 3x3 convolutions (ResNet-18/34); the first one carries the stride."""
    shortcut = _shortcut(x, filters, stride=stride, name=name, style=style)
    x = style.conv(x, filters, 3, stride=stride, name=f"{name}_1")
    x = style.conv(x, filters, 3, name=f"{name}_2", activate=False)
    return _merge(shortcut, x, name=name, style=style)


def bottleneck_block(x, filters: int, *, stride: int, name: str, style: Style):
    """1x1 reduce, 3x3, 1x1 expand to 4 x filters (keras.applications v1: stride on the 1x1)."""
    shortcut = _shortcut(x, 4 * filters, stride=stride, name=name, style=style)
    x = style.conv(x, filters, 1, stride=stride, name=f"{name}_1")
    x = style.conv(x, filters, 3, name=f"{name}_2")
    x = style.conv(x, 4 * filters, 1, name=f"{name}_3", activate=False)
    return _merge(shortcut, x, name=name, style=style)


def resnext_block(
    x, filters: int, *, stride: int, name: str, style: Style, cardinality: int = 32, width: int = 4
):
    """A bottleneck whose 3x3 convolution is split into `cardinality` groups (stride on it)."""
    # torchvision's width rule: conv2 of 32x4d has 32 groups x 4 = 128 channels, conv5 1024.
    inner = int(filters * width / 64) * cardinality
    shortcut = _shortcut(x, 4 * filters, stride=stride, name=name, style=style)
    x = style.conv(x, inner, 1, name=f"{name}_1")
    x = style.conv(x, inner, 3, stride=stride, groups=cardinality, name=f"{name}_2")
    x = style.conv(x, 4 * filters, 1, name=f"{name}_3", activate=False)
    return _merge(shortcut, x, name=name, style=style)


BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block, "resnext": resnext_block}


def resnet_stem(x, kind: str, *, style: Style):
    if kind == "small":
        return style.conv(x, 64, 3, name="conv1")  # conv1: 32 x 32 x 64 for 32 x 32 images
    x = style.conv(x, 64, 7, stride=2, name="conv1")  # conv1: 112 x 112 x 64
    # Zero padding acts like PyTorch's -inf padding after a ReLU (nothing is below zero).
    x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)  # 56 x 56 x 64


def resnet(
    block,
    blocks_per_stage,
    input_shape,
    num_classes,
    *,
    name: str,
    display_name: str,
    layout: dict,
    normalization: str,
    activation: str,
    dropout: float,
    stem: str,
):
    """The ResNet family: a stem, four stages of residual `block`s, global pooling, softmax."""
    stem_kind = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem_kind == "imagenet":
        layers.require_input_size(
            display_name,
            input_shape,
            IMAGENET_STEM_MIN,
            "the ImageNet stem and stages downsample by 32; stem='small' takes smaller images",
        )
    style = Style(normalization, activation, **layout)
    inputs = layers.model_input(input_shape)
    x = resnet_stem(inputs, stem_kind, style=style)
    # conv2..conv5 at 56, 28, 14, 7 pixels for 224 x 224 (ImageNet stem) and 32, 16, 8, 4 for
    # 32 x 32 (small stem); bottleneck stages end with 256, 512, 1024 and 2048 channels.
    for stage, (filters, blocks) in enumerate(zip(STAGE_FILTERS, blocks_per_stage, strict=True)):
        for index in range(blocks):
            stride = 2 if stage > 0 and index == 0 else 1
            x = block(
                x, filters, stride=stride, name=f"conv{stage + 2}_block{index + 1}", style=style
            )
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.dropout(x, dropout, name="top_dropout")
    outputs = layers.classifier(x, num_classes)
    return keras.Model(inputs, outputs, name=name)


def _resnet(depth: int, input_shape, num_classes, **options):
    kind, blocks = DEPTHS[depth]
    layout = TORCHVISION if kind == "basic" else KERAS_APPLICATIONS
    return resnet(
        BLOCKS[kind],
        blocks,
        input_shape,
        num_classes,
        name=f"resnet{depth}",
        display_name=f"ResNet-{depth}",
        layout=layout,
        **options,
    )


_RESNET = {
    "family": "ResNet",
    "card": RESNET_CARD,
    "blocks": RESNET_BLOCKS,
    "year": 2015,
    "paper": RESNET_PAPER,
    "canonical_input": (224, 224, 3),
    "min_input": 8,
    "options": OPTIONS,
}
_SHORTCUTS = (
    "Each residual block adds its input back to its output through a shortcut, so the block "
    "only learns a correction and gradients flow straight to early layers; this is what made "
    "networks of a hundred layers and more trainable."
)
_BOTTLENECKS = (
    "A bottleneck block squeezes the channels with a 1x1 convolution, works at the low width "
    "with a 3x3, then expands again with a 1x1, which keeps very deep networks affordable."
)


@register_model(
    name="resnet18",
    display_name="ResNet-18",
    **_RESNET,
    description=f"{_SHORTCUTS} ResNet-18 stacks eight basic blocks of two 3x3 convolutions in "
    "four stages that halve the resolution and double the width: the smallest "
    "ResNet and a good first choice for small images.",
)
def resnet18(input_shape, num_classes, **options) -> keras.Model:
    return _resnet(18, input_shape, num_classes, **options)


@register_model(
    name="resnet34",
    display_name="ResNet-34",
    **_RESNET,
    description=f"{_SHORTCUTS} ResNet-34 has sixteen basic blocks of two 3x3 convolutions. "
    "It is the paper's key experiment: without shortcuts 34 layers train worse "
    "than 18, with them the deeper network wins.",
)
def resnet34(input_shape, num_classes, **options) -> keras.Model:
    return _resnet(34, input_shape, num_classes, **options)


@register_model(
    name="resnet50",
    display_name="ResNet-50",
    **_RESNET,
    description=f"{_SHORTCUTS} {_BOTTLENECKS} ResNet-50 has sixteen bottleneck blocks and is "
    "the most widely used ResNet.",
)
def resnet50(input_shape, num_classes, **options) -> keras.Model:
    return _resnet(50, input_shape, num_classes, **options)


@register_model(
    name="resnet101",
    display_name="ResNet-101",
    **_RESNET,
    description=f"{_SHORTCUTS} {_BOTTLENECKS} ResNet-101 puts 23 of its 33 bottleneck blocks "
    "in the 14 x 14 stage.",
)
def resnet101(input_shape, num_classes, **options) -> keras.Model:
    return _resnet(101, input_shape, num_classes, **options)


@register_model(
    name="resnet152",
    display_name="ResNet-152",
    **_RESNET,
    description=f"{_SHORTCUTS} {_BOTTLENECKS} ResNet-152, with 50 bottleneck blocks, was the "
    "deepest network of the paper's ImageNet entry that won ILSVRC 2015.",
)
def resnet152(input_shape, num_classes, **options) -> keras.Model:
    return _resnet(152, input_shape, num_classes, **options)


@register_model(
    name="resnext50_32x4d",
    display_name="ResNeXt-50 (32x4d)",
    family="ResNeXt",
    card=RESNEXT_CARD,
    blocks=RESNET_BLOCKS,
    year=2016,
    paper=RESNEXT_PAPER,
    canonical_input=(224, 224, 3),
    min_input=8,
    options=(*OPTIONS, CARDINALITY, WIDTH),
    description="ResNeXt keeps ResNet-50's shortcuts and bottlenecks but splits each 3x3 "
    "convolution into many parallel paths, a grouped convolution. The number of "
    "groups is the cardinality: 32 groups of 4 channels here. For the same "
    "parameters and computation, more and thinner paths reach a better accuracy "
    "than a wider or deeper ResNet.",
)
def resnext50_32x4d(
    input_shape, num_classes, *, cardinality: int, width: int, **options
) -> keras.Model:
    block = partial(resnext_block, cardinality=cardinality, width=width)
    return resnet(
        block,
        DEPTHS[50][1],
        input_shape,
        num_classes,
        name=f"resnext50_{cardinality}x{width}d",
        display_name="ResNeXt-50",
        layout=TORCHVISION,
        **options,
    )
