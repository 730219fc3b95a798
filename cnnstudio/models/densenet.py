"""DenseNet-121, -169 and -201 (DenseNet-BC), exactly as keras.applications builds them.

Reference:
    Huang, Liu, van der Maaten and Weinberger, "Densely Connected Convolutional Networks",
    CVPR 2017 (arXiv:1608.06993).

Inside a dense block every layer receives the concatenation of all earlier feature maps and adds
`GROWTH_RATE` (k = 32) new channels: batch norm, ReLU, a 1x1 "bottleneck" convolution to 4k
channels, batch norm, ReLU, a 3x3 convolution to k channels, then `Concatenate`. Between blocks
a transition layer (norm, ReLU, 1x1 convolution to `COMPRESSION` (0.5) of the channels, 2x2
average pool) halves the resolution and the width. Convolutions have no biases, BatchNorm
epsilon is 1.001e-5, and layer names are keras.applications' (`conv1_conv`, `pool1`,
`conv2_block1_0_bn`, `conv2_block1_1_conv`, `conv2_block1_concat`, `pool2_conv`, `pool2_pool`,
`bn`, `relu`, `avg_pool`, `predictions`; keras leaves its two padding layers unnamed, here they
are `conv1_pad` and `pool1_pad`), so parameter counts equal keras.applications DenseNet121/169/201.

Small inputs (the `stem` option):
    - "imagenet": the paper's stem, a 7x7 stride-2 convolution with 2k = 64 filters and a 3x3
      stride-2 max pool, then four dense blocks with three transitions: 224 x 224 reaches the
      last block at 7 x 7. The total stride is 32, so this stem needs at least 32 x 32.
    - "small": the stem becomes one 3x3 stride-1 convolution with 2k = 64 filters (as the
      paper's CIFAR DenseNet-BC begins with 2k filters) and there is no `pool1_pad`/`pool1`; the
      four blocks and three transitions are unchanged, so 32 x 32 images reach conv5 at 4 x 4
      (8 x 8 is the least, conv5 at 1 x 1). The paper's own CIFAR networks have three blocks of
      equal length; this keeps the ImageNet block lengths, so the weights stay comparable.
    - "auto": "small" when the shorter side is below 64 pixels, else "imagenet".

Other options: `normalization` replaces every BatchNorm in place (names `_ln`, `_in`, `_gn`; the
final `bn` becomes `post_ln` and so on), and with "none" every convolution gets a bias.
`activation` replaces every ReLU (the final `relu` layer takes the activation's name).
`dropout` adds `top_dropout` between `avg_pool` and `predictions`.
"""

from __future__ import annotations

import keras

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import BlockPattern, ModelCard
from cnnstudio.models import layers
from cnnstudio.models.registry import (
    ACTIVATION,
    DROPOUT,
    NORMALIZATION,
    STEM,
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
DENSENET_CARD = ModelCard(
    headline=N_("Every layer sees the concatenation of all earlier ones."),
    introduced=(
        N_(
            "Inside a dense block each layer receives the concatenated feature maps of all "
            "preceding layers and adds only k new ones (the growth rate, 32 here)."
        ),
        N_(
            "Layers are BN-ReLU-1x1 conv (4k channels) then BN-ReLU-3x3 conv (k channels); "
            "transition layers between blocks halve the channels (1x1 conv) and the grid "
            "(2x2 average pooling)."
        ),
        N_(
            "Concatenation instead of ResNet's addition: features are reused rather than "
            "re-learned, and every layer has a short path to the loss."
        ),
    ),
    why_it_mattered=N_(
        "DenseNet-121 matches ResNet-50's ImageNet accuracy with about 8 million "
        "parameters instead of 25.6 million. The price is memory: the concatenated "
        "inputs grow with every layer."
    ),
    worked_example=(
        N_("Input channels of layer l in a block: k0 + k*(l-1)"),
        N_("DenseNet-121 block 1: k0 = 64, k = 32, 6 layers"),
        N_("  out: 64 + 6*32 = 256 channels; transition -> 128"),
    ),
)

# conv3_block2_1_conv is in the dense layer conv3_block2, which is in the dense block conv3;
# pool2_conv in the transition pool2 (pool1 is the stem's max pooling, not a transition).
DENSENET_BLOCKS = (
    BlockPattern(
        r"^([a-z]+\d+_block\d+)(?:_|$)",
        N_("dense layer"),
        holder_role=N_("dense block"),
        example="conv3_block2_1_conv",
    ),
    BlockPattern(r"^(pool[2-9])(?:_|$)", N_("transition"), example="pool2_conv"),
)

DENSENET_PAPER = (
    'Huang, Liu, van der Maaten and Weinberger, "Densely Connected Convolutional Networks", '
    "CVPR 2017 (arXiv:1608.06993)"
)

# Dense layers in each of the four blocks (conv2..conv5).
DenseNet121 = [6, 12, 24, 16]
DenseNet169 = [6, 12, 32, 32]
DenseNet201 = [6, 12, 48, 32]

GROWTH_RATE = 32  # k: channels each dense layer adds
BOTTLENECK_WIDTH = 4  # the 1x1 convolution of a dense layer makes 4k channels
COMPRESSION = 0.5  # a transition keeps this fraction of the channels
EPSILON = 1.001e-5
IMAGENET_STEM_MIN = 32
SMALL_STEM_BELOW = 64
OPTIONS = (NORMALIZATION, ACTIVATION, DROPOUT, STEM)


def _norm_act(x, name: str, *, normalization: str, activation: str):
    x = layers.normalization(x, normalization, name, epsilon=EPSILON)
    return layers.activation(x, activation, name)


def _conv(
    x,
    filters: int,
    kernel_size: int,
    *,
    name: str,
    normalization: str,
    strides: int = 1,
    padding: str = "same",
):
    # keras.applications' convolutions have no bias: a normalisation always follows.
    return keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=normalization == "none",
        name=f"{name}_conv",
    )(x)


def conv_block(x, growth_rate: int, *, name: str, normalization: str, activation: str):
    """One dense layer: norm-act-1x1 (4k), norm-act-3x3 (k), concatenated to its input."""
    y = _norm_act(x, f"{name}_0", normalization=normalization, activation=activation)
    y = _conv(y, BOTTLENECK_WIDTH * growth_rate, 1, name=f"{name}_1", normalization=normalization)
    y = _norm_act(y, f"{name}_1", normalization=normalization, activation=activation)
    y = _conv(y, growth_rate, 3, name=f"{name}_2", normalization=normalization)
    return keras.layers.Concatenate(axis=-1, name=f"{name}_concat")([x, y])


def dense_block(x, blocks: int, *, name: str, **style):
    for index in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{index + 1}", **style)
    return x


def transition_block(x, reduction: float, *, name: str, normalization: str, activation: str):
    """Norm-act, 1x1 convolution to `reduction` of the channels, 2x2 average pool."""
    x = _norm_act(x, name, normalization=normalization, activation=activation)
    x = _conv(x, int(x.shape[-1] * reduction), 1, name=name, normalization=normalization)
    return keras.layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def densenet_stem(x, kind: str, *, normalization: str, activation: str):
    filters = 2 * GROWTH_RATE
    if kind == "small":
        x = _conv(x, filters, 3, name="conv1", normalization=normalization)  # 32 x 32 x 64
        return _norm_act(x, "conv1", normalization=normalization, activation=activation)
    x = keras.layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = _conv(
        x, filters, 7, strides=2, padding="valid", name="conv1", normalization=normalization
    )  # conv1: 112 x 112 x 64
    x = _norm_act(x, "conv1", normalization=normalization, activation=activation)
    x = keras.layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)  # pool1: 56 x 56 x 64


def _final_normalization(x, kind: str):
    if kind == "batch":
        # keras.applications calls this one plain "bn" (its weights load by layer name).
        return keras.layers.BatchNormalization(axis=-1, epsilon=EPSILON, name="bn")(x)
    return layers.normalization(x, kind, "post", epsilon=EPSILON)  # post_ln, post_gn, ...


def densenet(
    blocks,
    input_shape,
    num_classes,
    *,
    name: str,
    display_name: str,
    normalization: str,
    activation: str,
    dropout: float,
    stem: str,
) -> keras.Model:
    """The DenseNet family: a stem, four dense blocks joined by three transitions, softmax."""
    stem_kind = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem_kind == "imagenet":
        layers.require_input_size(
            display_name,
            input_shape,
            IMAGENET_STEM_MIN,
            "the ImageNet stem and transitions downsample by 32; stem='small' takes smaller images",
        )
    style = {"normalization": normalization, "activation": activation}
    inputs = layers.model_input(input_shape)
    x = densenet_stem(inputs, stem_kind, **style)
    # DenseNet-121 at 224 x 224: conv2 56 x 56 x 256, conv3 28 x 28 x 512,
    # conv4 14 x 14 x 1024, conv5 7 x 7 x 1024.
    for stage, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{stage + 2}", **style)
        if stage < len(blocks) - 1:
            x = transition_block(x, COMPRESSION, name=f"pool{stage + 2}", **style)
    x = _final_normalization(x, normalization)
    x = keras.layers.Activation(activation, name=activation)(x)
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.dropout(x, dropout, name="top_dropout")
    outputs = layers.classifier(x, num_classes)
    return keras.Model(inputs, outputs, name=name)


_DENSENET = {
    "family": "DenseNet",
    "card": DENSENET_CARD,
    "blocks": DENSENET_BLOCKS,
    "year": 2016,
    "paper": DENSENET_PAPER,
    "canonical_input": (224, 224, 3),
    "min_input": 8,
    "options": OPTIONS,
}
_DENSE = (
    "Inside a dense block every layer sees the concatenated feature maps of all the layers "
    "before it and adds only a few new channels, the growth rate (32 here), so features are "
    "reused instead of relearned. Transition layers between the blocks halve the channels "
    "with a 1x1 convolution and the resolution with average pooling."
)


@register_model(
    name="densenet121",
    display_name="DenseNet-121",
    **_DENSENET,
    description=f"{_DENSE} DenseNet-121 (blocks of 6, 12, 24 and 16 layers) comes close "
    "to ResNet-50 in accuracy with under a third of its parameters.",
)
def densenet121(input_shape, num_classes, **options) -> keras.Model:
    return densenet(
        DenseNet121,
        input_shape,
        num_classes,
        name="densenet121",
        display_name="DenseNet-121",
        **options,
    )


@register_model(
    name="densenet169",
    display_name="DenseNet-169",
    **_DENSENET,
    description=f"{_DENSE} DenseNet-169 lengthens the last two blocks to 32 layers each.",
)
def densenet169(input_shape, num_classes, **options) -> keras.Model:
    return densenet(
        DenseNet169,
        input_shape,
        num_classes,
        name="densenet169",
        display_name="DenseNet-169",
        **options,
    )


@register_model(
    name="densenet201",
    display_name="DenseNet-201",
    **_DENSENET,
    description=f"{_DENSE} DenseNet-201 has 48 layers in its third block.",
)
def densenet201(input_shape, num_classes, **options) -> keras.Model:
    return densenet(
        DenseNet201,
        input_shape,
        num_classes,
        name="densenet201",
        display_name="DenseNet-201",
        **options,
    )
