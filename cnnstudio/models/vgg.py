"""VGG-11, VGG-13, VGG-16 and VGG-19 (configurations A, B, D and E).

Reference:
- K. Simonyan and A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
  Recognition", ICLR 2015 (arXiv:1409.1556, 2014).

Five blocks of 3 x 3 'same' convolutions (64, 128, 256, 512, 512 maps), each block closed by a
2 x 2 stride-2 max-pool, then FC 4096-4096-classes. The configurations differ only in how many
convolutions each block has (the table `VGG_CONFIGS`). Layers, shapes and parameter counts equal
`keras.applications.VGG16` and `VGG19` (138,357,544 and 143,667,240), with the same names but
for the flatten, here `block5_flatten` (the zoo keeps Keras's auto-names out of its graphs);
VGG-11 and VGG-13 equal torchvision's. The paper's dropout 0.5 on the outputs of fc1 and fc2
is the `dropout` option (keras.applications leaves it out; it has no weights).
`normalization="batch"` gives the BN variant (torchvision's vgg16_bn): BatchNorm between each
convolution and its ReLU, with the convolution's bias kept as torchvision keeps it, so the
trainable counts match (138,365,992 for VGG-16).

Small inputs: nothing changes. The five pools halve 32 x 32 down to 1 x 1 x 512, so fc1 has
512 inputs instead of the 7 x 7 x 512 = 25,088 it has at 224 (102.8 M weights fewer).
"""

from __future__ import annotations

import keras
from keras import layers as keras_layers

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import BlockPattern, ModelCard
from cnnstudio.models import layers
from cnnstudio.models.registry import (
    ACTIVATION,
    DROPOUT,
    NORMALIZATION,
    POOLING,
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
VGG_CARD = ModelCard(
    headline=N_("Depth from uniform stacks of small 3x3 convolutions."),
    introduced=(
        N_(
            "Only 3x3 convolutions (stride 1, padding 1) and 2x2 max pooling, stacked 11 to "
            "19 layers deep: a simple, uniform design that is easy to reason about."
        ),
        N_(
            "Two stacked 3x3 convolutions see a 5x5 region (three see 7x7), with fewer "
            "parameters and an extra non-linearity between them, which makes the function "
            "more expressive."
        ),
        N_(
            "The number of channels doubles (64, 128, 256, 512) each time pooling halves "
            "the resolution."
        ),
    ),
    why_it_mattered=N_(
        "It showed that depth, not clever large filters, drives accuracy (second in "
        "ImageNet classification 2014). Its features became the default for transfer "
        "learning and perceptual losses. Its price: 138 million parameters for VGG-16, "
        "most of them in the first dense layer."
    ),
    worked_example=(
        N_("With C channels in and out (biases ignored):"),
        N_("  one 5x5 conv:   5*5*C*C     = 25 C^2"),
        N_("  two 3x3 convs:  2*(3*3*C*C) = 18 C^2   (28% fewer)"),
        N_("Same 5x5 receptive field, plus one more ReLU."),
        N_("  one 7x7: 49 C^2   vs   three 3x3: 27 C^2   (45% fewer)"),
        N_("VGG-16's first dense layer: 7*7*512*4096 + 4096 = 102,764,544"),
    ),
)

# VGG's blocks: block1_conv1 ... block1_pool -> block1 (what `cnnstudio summary` and the graph
# group; a plain stack, so no role beyond "block").
VGG_BLOCKS = (BlockPattern(r"^(block\d+)(?:_|$)", N_("block"), example="block1_conv1"),)

VGG_PAPER = (
    "Simonyan and Zisserman 2014, Very Deep Convolutional Networks for Large-Scale Image "
    "Recognition, ICLR 2015, arXiv:1409.1556"
)

# The paper's Table 1: convolutions per block. Configuration C (VGG-16 with 1 x 1 convolutions
# in blocks 3-5) is not offered.
VGG_CONFIGS = {
    "A": (1, 1, 2, 2, 2),  # VGG-11
    "B": (2, 2, 2, 2, 2),  # VGG-13
    "D": (2, 2, 3, 3, 3),  # VGG-16
    "E": (2, 2, 4, 4, 4),  # VGG-19
}
VGG_WIDTHS = (64, 128, 256, 512, 512)
VGG_FC_UNITS = 4096

VGG_DESCRIPTION = (
    "VGG showed that depth itself makes a network better, using nothing but small 3 x 3 "
    "convolutions: two of them see as far as one 5 x 5 with fewer weights and one more "
    "non-linearity. Its plain, uniform design made it a favourite backbone for transfer "
    "learning and style transfer, at the price of about 140 million parameters."
)
VGG_OPTIONS = (
    NORMALIZATION.with_default("none"),
    ACTIVATION,
    POOLING,
    DROPOUT.with_default(0.5),
)


def vgg_conv(x, filters: int, *, name: str, activation_kind: str, normalization_kind: str):
    """A 3 x 3 'same' convolution with its activation (and normalisation between them)."""
    if normalization_kind == "none":
        # keras.applications' layout: the activation lives inside the convolution layer.
        return keras_layers.Conv2D(
            filters,
            3,
            padding="same",
            activation=activation_kind,
            name=name,
        )(x)
    x = keras_layers.Conv2D(filters, 3, padding="same", name=name)(x)
    x = layers.normalization(x, normalization_kind, name)
    return layers.activation(x, activation_kind, name)


def vgg_block(
    x,
    filters: int,
    convs: int,
    *,
    name: str,
    activation_kind: str,
    normalization_kind: str,
    pooling_kind: str,
):
    """`convs` convolutions of `filters` maps, then a 2 x 2 stride-2 pool that halves the map."""
    for index in range(1, convs + 1):
        x = vgg_conv(
            x,
            filters,
            name=f"{name}_conv{index}",
            activation_kind=activation_kind,
            normalization_kind=normalization_kind,
        )
    return layers.pooling(x, pooling_kind, 2, strides=2, name=f"{name}_pool")


def vgg(
    config: str,
    input_shape,
    num_classes: int,
    *,
    normalization: str,
    activation: str,
    pooling: str,
    dropout: float,
    name: str,
) -> keras.Model:
    inputs = layers.model_input(input_shape)
    x = inputs
    # block1: 112 x 112 x 64, block2: 56 x 56 x 128, block3: 28 x 28 x 256,
    # block4: 14 x 14 x 512, block5: 7 x 7 x 512 (after each pool, at 224 x 224)
    for block, (filters, convs) in enumerate(
        zip(VGG_WIDTHS, VGG_CONFIGS[config], strict=True), start=1
    ):
        x = vgg_block(
            x,
            filters,
            convs,
            name=f"block{block}",
            activation_kind=activation,
            normalization_kind=normalization,
            pooling_kind=pooling,
        )
    x = keras_layers.Flatten(name="block5_flatten")(x)
    for fc in ("fc1", "fc2"):
        x = keras_layers.Dense(VGG_FC_UNITS, activation=activation, name=fc)(x)
        x = layers.dropout(x, dropout, name=f"{fc}_dropout")
    # A zero-initialised classifier starts from the uniform prediction (loss ln(classes)),
    # as ViT does: with Glorot's random head, Adam at 1e-3 (the engine's default) makes
    # the logits of these wide FC stacks jump within a few steps.
    outputs = keras_layers.Dense(
        num_classes,
        activation="softmax",
        kernel_initializer="zeros",
        name="predictions",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def register_vgg(depth: int, config: str):
    """Register `vgg{depth}`: the family's variants differ only by their table row."""
    return register_model(
        name=f"vgg{depth}",
        display_name=f"VGG-{depth}",
        family="VGG",
        card=VGG_CARD,
        blocks=VGG_BLOCKS,
        year=2014,
        paper=VGG_PAPER,
        canonical_input=(224, 224, 3),
        min_input=32,
        description=VGG_DESCRIPTION + f" VGG-{depth} is the paper's configuration {config}.",
        options=VGG_OPTIONS,
    )


@register_vgg(11, "A")
def vgg11(input_shape, num_classes, **options) -> keras.Model:
    return vgg("A", input_shape, num_classes, name="vgg11", **options)


@register_vgg(13, "B")
def vgg13(input_shape, num_classes, **options) -> keras.Model:
    return vgg("B", input_shape, num_classes, name="vgg13", **options)


@register_vgg(16, "D")
def vgg16(input_shape, num_classes, **options) -> keras.Model:
    return vgg("D", input_shape, num_classes, name="vgg16", **options)


@register_vgg(19, "E")
def vgg19(input_shape, num_classes, **options) -> keras.Model:
    return vgg("E", input_shape, num_classes, name="vgg19", **options)
