"""Network In Network (NiN).

Reference:
- M. Lin, Q. Chen and S. Yan, "Network In Network", ICLR 2014 (arXiv:1312.4400, 2013).

Each mlpconv block is a K x K convolution followed by two 1 x 1 convolutions (a small
multilayer perceptron slid over every position), each with its activation. The last block has
one map per class; global average pooling turns each map into that class's score, and a softmax
named `predictions` makes them probabilities: no fully-connected layers at all.

Two layouts, chosen by `stem`:

- 'imagenet' (canonical 224 x 224 x 3), the layout of d2l.ai's NiN: blocks of 96 (11 x 11
  stride 4, unpadded), 256 (5 x 5), 384 (3 x 3) and num_classes (3 x 3) maps, overlapping 3 x 3
  stride-2 max-pooling between them and dropout before the last block. A map smaller than the
  pooling window is collapsed to 1 x 1 instead of failing, so it builds from 11 px up.
- 'small', the paper's CIFAR-10 network: 192-160-96 (5 x 5), 192-192-192 (5 x 5) and
  192-192-num_classes (3 x 3) maps, 3 x 3 stride-2 pooling between them with 'same' padding
  (as Caffe's ceil-mode pooling: 32 -> 16 -> 8) and dropout after each pool. The paper pooled
  with max then average; here the `pooling` option picks both.

`stem="auto"` picks 'small' below 96 px (the paper layout ends at 1 x 1 maps at 96 px already).
The small layout has no size limit of its own, so NiN takes inputs from 8 x 8 up, MNIST's 28 x 28
without padding included.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers as keras_layers

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import ModelCard
from cnnstudio.models import layers
from cnnstudio.models.registry import (
    ACTIVATION,
    DROPOUT,
    NORMALIZATION,
    POOLING,
    STEM,
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
NIN_CARD = ModelCard(
    headline=N_("1x1 convolutions and global average pooling."),
    introduced=(
        N_(
            "'mlpconv' layers: each convolution is followed by 1x1 convolutions, a small "
            "multilayer perceptron applied at every pixel. A 1x1 convolution mixes channels "
            "and adds a non-linearity without looking at neighbouring pixels."
        ),
        N_(
            "Global average pooling instead of fully-connected layers: the last layer makes "
            "one feature map per class and averages each map to one score. No dense "
            "parameters to overfit, and each map reads as where the class was seen."
        ),
    ),
    why_it_mattered=N_(
        "The 1x1 convolution became the everyday tool for changing the number of "
        "channels cheaply (Inception's reductions, ResNet's bottlenecks), and global "
        "average pooling replaced the huge dense heads of AlexNet and VGG in almost every "
        "later network."
    ),
    worked_example=(
        N_("1x1 conv from 256 to 64 channels: 256*64 + 64 = 16,448 parameters"),
        N_("VGG-style dense head on 7x7x512: 102,764,544 parameters"),
        N_("Global average pooling: 0 parameters"),
    ),
)

NIN_PAPER = "Lin, Chen and Yan 2013, Network In Network, ICLR 2014, arXiv:1312.4400"

# Stands for num_classes in a block's widths: the last mlpconv has one map per class.
CLASSES = 0


@dataclass(frozen=True)
class MlpConv:
    """One mlpconv block: the K x K convolution's and the two 1 x 1 convolutions' widths."""

    widths: tuple[int, int, int]
    kernel_size: int
    strides: int = 1
    padding: str = "same"


@dataclass(frozen=True)
class NinLayout:
    blocks: tuple[MlpConv, ...]
    # True: the paper's unpadded overlapping pools; False: 'same' pools (Caffe's ceil mode).
    unpadded_pools: bool
    # Dropout after every pool, or only after the last one (before the class maps).
    dropout_after_every_pool: bool


NIN_LAYOUTS = {
    "imagenet": NinLayout(
        blocks=(
            MlpConv((96, 96, 96), 11, strides=4, padding="valid"),  # 54 x 54 x 96 at 224
            MlpConv((256, 256, 256), 5),  # 26 x 26 x 256
            MlpConv((384, 384, 384), 3),  # 12 x 12 x 384
            MlpConv((CLASSES, CLASSES, CLASSES), 3),  # 5 x 5 x num_classes
        ),
        unpadded_pools=True,
        dropout_after_every_pool=False,
    ),
    "small": NinLayout(
        blocks=(
            MlpConv((192, 160, 96), 5),  # 32 x 32 x 96 at 32
            MlpConv((192, 192, 192), 5),  # 16 x 16 x 192
            MlpConv((192, 192, CLASSES), 3),  # 8 x 8 x num_classes
        ),
        unpadded_pools=False,
        dropout_after_every_pool=True,
    ),
}
# Shorter sides below this get the small layout when stem="auto" (see the module docstring).
SMALL_STEM_BELOW = 96
# The ImageNet layout's unpadded 11 x 11 first window needs at least 11 pixels.
IMAGENET_STEM_MIN_INPUT = 11


def mlpconv_block(
    x, block: MlpConv, num_classes: int, *, name: str, activation_kind: str, normalization_kind: str
):
    """K x K convolution, then two 1 x 1 convolutions, each normalised (optionally) and
    activated: `name_1_conv`, `name_2_conv`, `name_3_conv`."""
    for index, width in enumerate(block.widths, start=1):
        first = index == 1
        x = layers.conv_bn_act(
            x,
            width or num_classes,
            block.kernel_size if first else 1,
            strides=block.strides if first else 1,
            padding=block.padding if first else "valid",
            name=f"{name}_{index}",
            normalization_kind=normalization_kind,
            activation_kind=activation_kind,
        )
    return x


def build_nin(
    input_shape,
    num_classes: int,
    *,
    activation: str,
    pooling: str,
    normalization: str,
    dropout: float,
    stem: str,
    name: str = "nin",
) -> keras.Model:
    stem = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem == "imagenet":
        layers.require_input_size(
            "NiN",
            input_shape,
            IMAGENET_STEM_MIN_INPUT,
            because="the ImageNet layout's 11x11 convolution; stem='small' takes smaller images",
        )
    layout = NIN_LAYOUTS[stem]

    inputs = layers.model_input(input_shape)
    x = inputs
    last = len(layout.blocks)
    for number, block in enumerate(layout.blocks, start=1):
        x = mlpconv_block(
            x,
            block,
            num_classes,
            name=f"mlpconv{number}",
            activation_kind=activation,
            normalization_kind=normalization,
        )
        if number == last:
            break
        pool = f"pool{number}"
        if layout.unpadded_pools:
            x = layers.overlapping_pooling(x, pooling, name=pool)
        else:
            x = layers.pooling(x, pooling, 3, strides=2, padding="same", name=pool)
        if layout.dropout_after_every_pool or number == last - 1:
            x = layers.dropout(x, dropout, name=f"{pool}_dropout")
    # One score per class: the average of its map.
    x = keras_layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras_layers.Activation("softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


@register_model(
    name="nin",
    display_name="NiN",
    family="NiN",
    card=NIN_CARD,
    year=2013,
    paper=NIN_PAPER,
    canonical_input=(224, 224, 3),
    min_input=8,
    description=(
        "Network In Network replaced each plain convolution by a tiny multilayer perceptron "
        "slid over the image, which in practice means 1 x 1 convolutions after each ordinary "
        "one. It also dropped the huge fully-connected classifier: the last layer makes one "
        "map per class and global average pooling reads the scores off them. Both ideas run "
        "through GoogLeNet, ResNet and almost every network since."
    ),
    options=(
        ACTIVATION,
        POOLING,
        NORMALIZATION.with_default("none"),
        DROPOUT.with_default(0.5),
        STEM,
    ),
)
def nin(input_shape, num_classes, **options) -> keras.Model:
    return build_nin(input_shape, num_classes, **options)
