"""Inception v1 (GoogLeNet), v2 (BN-Inception) and v3: parallel branches of several sizes.

References:

- Szegedy et al. 2014, "Going deeper with convolutions" (arXiv:1409.4842): GoogLeNet, Table 1.
- Ioffe and Szegedy 2015, "Batch Normalization: Accelerating Deep Network Training by Reducing
  Internal Covariate Shift" (arXiv:1502.03167): BN-Inception, Figure 5.
- Szegedy et al. 2015, "Rethinking the Inception Architecture for Computer Vision"
  (arXiv:1512.00567): Inception v3, built in `inception_v3.py` exactly as
  `keras.applications.InceptionV3`.

An Inception module runs 1x1, 3x3 and 5x5 convolutions and a pooling side by side and concatenates
their outputs; 1x1 "reduce" convolutions shrink the channels before the expensive branches. Each
module is one row of a table of branch widths, as in the papers.

v1 is the paper's: convolutions with biases, no BatchNorm, no local response normalisation
(6,998,552 parameters at 224x224x3 with 1000 classes). `normalization` adds a normalisation after
every convolution (which then drops its bias). `aux_logits=True` adds the paper's two auxiliary
classifiers after 4a and 4d as extra outputs: `[predictions, aux1_predictions,
aux2_predictions]`, main output first. v2 puts BatchNorm after every convolution, replaces each
5x5 by two 3x3 and reduces the grid inside modules 3c and 4e instead of with separate max-pools.

Pooling uses "same" padding, so the paper's shapes come out exactly (224 -> 112 -> 56 -> 28 -> 14
-> 7) and every input size divides cleanly.

Small inputs (v1, v2): `stem="small"` (what "auto" picks below 64 px) replaces the 7x7/2
convolution by a 3x3/1 convolution and drops the second max-pool (pool2), so the stem downsamples
by 2 instead of 8: 32x32 inputs reach 3a at 16x16, 4a at 8x8 and 5a at 4x4 (224x224 inputs:
28, 14 and 7). Inputs from 8x8 work (5b at 1x1). The ImageNet stem needs at least 32x32 (its five
stride-2 stages then end at 1x1). Small maps shrink the auxiliary heads' 5x5/3 average pool to
the whole map when it is smaller than 5x5, so they still build (8x8 at 4a pools to 2x2).
"""

from __future__ import annotations

import keras

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import BlockPattern, ModelCard
from cnnstudio.models import layers
from cnnstudio.models.inception_v3 import inception_v3_model
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
INCEPTION_V1_CARD = ModelCard(
    headline=N_("Parallel branches at several scales, made affordable by 1x1 reductions."),
    introduced=(
        N_(
            "The Inception module runs 1x1, 3x3 and 5x5 convolutions and a 3x3 max pooling "
            "side by side and concatenates their outputs, so each layer looks at several "
            "scales at once."
        ),
        N_(
            "1x1 'reduce' convolutions shrink the channels before the costly 3x3 and 5x5 "
            "convolutions (and after the pooling), keeping the network wide but cheap."
        ),
        N_(
            "Global average pooling at the end and two auxiliary classifiers during training "
            "(the 'aux_logits' option) to help gradients reach the early layers."
        ),
    ),
    why_it_mattered=N_(
        "GoogLeNet won ImageNet 2014 (6.7% top-5 error) with 22 layers and about 7 "
        "million parameters, a twelfth of AlexNet's: it showed that careful design of "
        "the computation beats brute size."
    ),
    worked_example=(
        N_("inception_3a, 5x5 branch on 28x28x192 input, 32 output channels:"),
        N_("  direct:       5*5*192*32           = 153,600 weights"),
        N_("  with reduce:  192*16 + 5*5*16*32   =  15,872 weights  (about 10x fewer)"),
    ),
)

INCEPTION_V2_CARD = ModelCard(
    headline=N_("Batch normalisation (BN-Inception)."),
    introduced=(
        N_(
            "Batch normalisation after every convolution: each channel is normalised to zero "
            "mean and unit variance over the mini-batch, then scaled and shifted by two "
            "learned parameters."
        ),
        N_(
            "This steadies the distribution each layer sees while the earlier layers change, "
            "so much higher learning rates work and initialisation matters less; it also "
            "regularises a little."
        ),
        N_("The 5x5 convolutions of the modules are replaced by two stacked 3x3 ones."),
    ),
    why_it_mattered=N_(
        "It reached GoogLeNet's accuracy in a fraction of the training steps (the paper "
        "reports 14 times fewer). Batch normalisation became a standard layer in nearly "
        "every CNN that followed, ResNet included."
    ),
    worked_example=(
        N_("Per channel: y = gamma * (x - mean) / sqrt(var + eps) + beta"),
        N_("BatchNorm on 64 channels: 4*64 = 256 parameters"),
        N_("  (gamma, beta trained; moving mean and variance not trained)"),
    ),
)

INCEPTION_V3_CARD = ModelCard(
    headline=N_("Factorised convolutions."),
    introduced=(
        N_(
            "Large filters are factorised into smaller ones: a 5x5 becomes two 3x3, and an nxn "
            "becomes a 1xn followed by an nx1, with the same receptive field for less "
            "computation."
        ),
        N_(
            "Efficient grid reduction: stride-2 convolution and pooling branches run in "
            "parallel and are concatenated, shrinking the grid without a bottleneck."
        ),
        N_(
            "Label smoothing and a batch-normalised auxiliary classifier as regularisers; "
            "299x299 input."
        ),
    ),
    why_it_mattered=N_(
        "It gave a large gain in accuracy for a modest cost, and the factorisation ideas "
        "(asymmetric 1xn / nx1 filters, stacking small kernels) were reused widely in "
        "efficient architectures."
    ),
    worked_example=(
        N_("With C channels in and out:"),
        N_("  7x7:        49 C^2"),
        N_("  1x7 + 7x1:  7 C^2 + 7 C^2 = 14 C^2   (71% fewer)"),
        N_("  3x3 -> 1x3 + 3x1: 9 C^2 -> 6 C^2     (33% fewer)"),
    ),
)

# Inception v1 and v2 modules are named inception_3a..., Inception v3's (as in
# keras.applications) mixed0..., mixed9_1.
INCEPTION_BLOCKS = (
    BlockPattern(
        r"^(inception_\d+[a-z]?)(?:_|$)",
        N_("Inception module"),
        example="inception_3a_5x5_reduce_conv",
    ),
)
INCEPTION_V3_BLOCKS = (
    BlockPattern(
        r"^(mixed_?\d+[a-z]?)(?:_|$)", N_("Inception module"), example="mixed0_3x3dbl_reduce_conv"
    ),
)

GOOGLENET_PAPER = "Szegedy et al. 2014, Going deeper with convolutions (arXiv:1409.4842)"
BN_INCEPTION_PAPER = (
    "Ioffe and Szegedy 2015, Batch Normalization: Accelerating Deep Network Training by "
    "Reducing Internal Covariate Shift (arXiv:1502.03167)"
)
INCEPTION_V3_PAPER = (
    "Szegedy et al. 2015, Rethinking the Inception Architecture for Computer Vision "
    "(arXiv:1512.00567)"
)

AUX_LOGITS = Option(
    "aux_logits",
    False,
    "Add the auxiliary classifiers of the paper as extra training outputs "
    "(the main prediction stays the first output).",
)

# v1 and v2: "auto" picks the small stem below this side, where the ImageNet stem would leave
# the 3a modules at less than 8x8; the ImageNet stem builds from 32 (five halvings to 1x1).
SMALL_STEM_BELOW = 64
IMAGENET_STEM_MINIMUM = 32

# GoogLeNet, Table 1: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
GOOGLENET_MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),  # 28 x 28 x 256
    "3b": (128, 128, 192, 32, 96, 64),  # 28 x 28 x 480
    "4a": (192, 96, 208, 16, 48, 64),  # 14 x 14 x 512
    "4b": (160, 112, 224, 24, 64, 64),  # 14 x 14 x 512
    "4c": (128, 128, 256, 24, 64, 64),  # 14 x 14 x 512
    "4d": (112, 144, 288, 32, 64, 64),  # 14 x 14 x 528
    "4e": (256, 160, 320, 32, 128, 128),  # 14 x 14 x 832
    "5a": (256, 160, 320, 32, 128, 128),  # 7 x 7 x 832
    "5b": (384, 192, 384, 48, 128, 128),  # 7 x 7 x 1024
}
# A 3x3/2 max-pool halves the grid before these modules.
GOOGLENET_POOL_BEFORE = {"4a": "pool3_pool", "5a": "pool4_pool"}
# The auxiliary classifiers read the outputs of these modules.
GOOGLENET_AUX_AFTER = ("4a", "4d")

# BN-Inception, Figure 5: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool,
# pool proj, stride. The stride-2 modules (3c, 4e) halve the grid; their pool branch is a
# pass-through (proj 0) and they have no 1x1 branch.
BN_INCEPTION_MODULES = {
    "3a": (64, 64, 64, 64, 96, "avg", 32, 1),  # 28 x 28 x 256
    "3b": (64, 64, 96, 64, 96, "avg", 64, 1),  # 28 x 28 x 320
    "3c": (0, 128, 160, 64, 96, "max", 0, 2),  # 14 x 14 x 576
    "4a": (224, 64, 96, 96, 128, "avg", 128, 1),  # 14 x 14 x 576
    "4b": (192, 96, 128, 96, 128, "avg", 128, 1),  # 14 x 14 x 576
    "4c": (160, 128, 160, 128, 160, "avg", 128, 1),  # 14 x 14 x 608
    "4d": (96, 128, 192, 160, 192, "avg", 128, 1),  # 14 x 14 x 608
    "4e": (0, 128, 192, 192, 256, "max", 0, 2),  # 7 x 7 x 1056
    "5a": (352, 192, 320, 160, 224, "avg", 128, 1),  # 7 x 7 x 1024
    "5b": (352, 192, 320, 192, 224, "max", 128, 1),  # 7 x 7 x 1024
}


def googlenet_stem(x, stem: str, *, norm: str, act: str):
    """conv1 7x7/2 64, max-pool, conv2 1x1 64 + 3x3 192, max-pool (the small stem: see above)."""
    if stem == "imagenet":
        x = layers.conv_bn_act(
            x, 64, 7, strides=2, name="conv1", normalization_kind=norm, activation_kind=act
        )  # 112 x 112 x 64
    else:
        x = layers.conv_bn_act(
            x, 64, 3, name="conv1", normalization_kind=norm, activation_kind=act
        )  # 32 x 32 x 64
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool1_pool")(x)
    x = layers.conv_bn_act(
        x, 64, 1, name="conv2_reduce", normalization_kind=norm, activation_kind=act
    )
    x = layers.conv_bn_act(
        x, 192, 3, name="conv2", normalization_kind=norm, activation_kind=act
    )  # 56 x 56 x 192
    if stem == "imagenet":
        x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool2_pool")(x)
    return x  # 28 x 28 x 192 (small stem: 16 x 16 x 192 from 32 x 32)


def inception_module(x, widths, *, name: str, norm: str, act: str):
    """GoogLeNet's module: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3 max-pool -> 1x1, concatenated."""
    ones, reduce3, conv3, reduce5, conv5, proj = widths

    def conv(y, filters, size, suffix):
        return layers.conv_bn_act(
            y, filters, size, name=f"{name}_{suffix}", normalization_kind=norm, activation_kind=act
        )

    branch1 = conv(x, ones, 1, "1x1")
    branch3 = conv(conv(x, reduce3, 1, "3x3_reduce"), conv3, 3, "3x3")
    branch5 = conv(conv(x, reduce5, 1, "5x5_reduce"), conv5, 5, "5x5")
    pool = keras.layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    pool = conv(pool, proj, 1, "pool_proj")
    return keras.layers.Concatenate(name=f"{name}_concat")([branch1, branch3, branch5, pool])


def bn_inception_module(x, widths, *, name: str, norm: str, act: str):
    """BN-Inception's module: GoogLeNet's with the 5x5 replaced by two 3x3 and a choice of pool.

    With stride 2 the last convolution of each branch and the pool halve the grid, and the pool
    branch passes through without a projection.
    """
    ones, reduce3, conv3, reduce33, conv33, pool_kind, proj, stride = widths

    def conv(y, filters, size, suffix, strides=1):
        return layers.conv_bn_act(
            y,
            filters,
            size,
            strides=strides,
            name=f"{name}_{suffix}",
            normalization_kind=norm,
            activation_kind=act,
        )

    branches = [conv(x, ones, 1, "1x1")] if ones else []
    branch3 = conv(x, reduce3, 1, "3x3_reduce")
    branches.append(conv(branch3, conv3, 3, "3x3", stride))
    branch33 = conv(x, reduce33, 1, "double_3x3_reduce")
    branch33 = conv(branch33, conv33, 3, "double_3x3_1")
    branches.append(conv(branch33, conv33, 3, "double_3x3_2", stride))
    pool = layers.pooling(x, pool_kind, 3, strides=stride, padding="same", name=f"{name}_pool")
    branches.append(conv(pool, proj, 1, "pool_proj") if proj else pool)
    return keras.layers.Concatenate(name=f"{name}_concat")(branches)


def auxiliary_classifier(x, num_classes: int, *, name: str, norm: str, act: str):
    """GoogLeNet's auxiliary head: avg-pool 5x5/3, 1x1 conv 128, FC 1024, dropout 0.7, softmax.

    On maps smaller than 5x5 the pool window shrinks to the map, so the head still builds.
    """
    window = (min(5, x.shape[1]), min(5, x.shape[2]))
    x = keras.layers.AveragePooling2D(window, strides=3, name=f"{name}_pool")(x)  # 4 x 4 x 512
    x = layers.conv_bn_act(x, 128, 1, name=name, normalization_kind=norm, activation_kind=act)
    x = keras.layers.Flatten(name=f"{name}_flatten")(x)  # 2048
    x = keras.layers.Dense(1024, name=f"{name}_fc")(x)
    x = layers.activation(x, act, f"{name}_fc")
    x = keras.layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.classifier(x, num_classes, name=f"{name}_predictions")


def classifier_head(x, num_classes: int, dropout: float):
    """Global average pool (the papers' 7x7 average pool at 224), dropout, softmax."""
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.dropout(x, dropout, "top_dropout")
    return layers.classifier(x, num_classes)


def resolve_googlenet_stem(model: str, input_shape, stem: str) -> str:
    stem = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem == "imagenet":
        layers.require_input_size(
            model,
            input_shape,
            IMAGENET_STEM_MINIMUM,
            "with stem='imagenet', which downsamples by 32; stem='small' takes smaller images",
        )
    return stem


def googlenet(
    input_shape,
    num_classes: int,
    *,
    activation: str,
    normalization: str,
    dropout: float,
    stem: str,
    aux_logits: bool,
    name: str = "inception_v1",
):
    """Inception v1 (GoogLeNet) from the module table, optionally with its auxiliary heads."""
    stem = resolve_googlenet_stem("Inception v1", input_shape, stem)
    inputs = layers.model_input(input_shape)
    x = googlenet_stem(inputs, stem, norm=normalization, act=activation)
    aux_outputs = []
    for module, widths in GOOGLENET_MODULES.items():
        if module in GOOGLENET_POOL_BEFORE:
            pool_name = GOOGLENET_POOL_BEFORE[module]
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name=pool_name)(x)
        x = inception_module(
            x, widths, name=f"inception_{module}", norm=normalization, act=activation
        )
        if aux_logits and module in GOOGLENET_AUX_AFTER:
            aux_outputs.append(
                auxiliary_classifier(
                    x,
                    num_classes,
                    name=f"aux{len(aux_outputs) + 1}",
                    norm=normalization,
                    act=activation,
                )
            )
    outputs = classifier_head(x, num_classes, dropout)
    return keras.Model(inputs, [outputs, *aux_outputs] if aux_outputs else outputs, name=name)


def bn_inception(
    input_shape,
    num_classes: int,
    *,
    activation: str,
    normalization: str,
    dropout: float,
    stem: str,
    name: str = "inception_v2",
):
    """Inception v2 (BN-Inception) from the module table."""
    stem = resolve_googlenet_stem("Inception v2", input_shape, stem)
    inputs = layers.model_input(input_shape)
    x = googlenet_stem(inputs, stem, norm=normalization, act=activation)
    for module, widths in BN_INCEPTION_MODULES.items():
        x = bn_inception_module(
            x, widths, name=f"inception_{module}", norm=normalization, act=activation
        )
    outputs = classifier_head(x, num_classes, dropout)
    return keras.Model(inputs, outputs, name=name)


@register_model(
    name="inception_v1",
    display_name="Inception v1 (GoogLeNet)",
    family="Inception",
    card=INCEPTION_V1_CARD,
    blocks=INCEPTION_BLOCKS,
    year=2014,
    paper=GOOGLENET_PAPER,
    canonical_input=(224, 224, 3),
    min_input=8,
    aliases=("googlenet",),
    description=(
        "GoogLeNet won ImageNet 2014 with a network of Inception modules: each runs 1x1, 3x3 and "
        "5x5 convolutions and a pooling in parallel and concatenates the results, and cheap 1x1 "
        "convolutions first shrink the channels so the big filters stay affordable. Twenty-two "
        "layers deep, it needs about 7 million parameters where AlexNet needed 60 million."
    ),
    options=(
        ACTIVATION,
        NORMALIZATION.with_default("none"),
        DROPOUT.with_default(0.4),
        STEM,
        AUX_LOGITS,
    ),
)
def inception_v1(input_shape, num_classes, **options):
    return googlenet(input_shape, num_classes, **options)


@register_model(
    name="inception_v2",
    display_name="Inception v2 (BN-Inception)",
    family="Inception",
    card=INCEPTION_V2_CARD,
    blocks=INCEPTION_BLOCKS,
    year=2015,
    paper=BN_INCEPTION_PAPER,
    canonical_input=(224, 224, 3),
    min_input=8,
    aliases=("bn_inception",),
    description=(
        "The network that introduced Batch Normalization: every convolution's output is "
        "normalised over the batch, which let it train many times faster with higher learning "
        "rates and no dropout. Its Inception modules also replace each 5x5 convolution with two "
        "3x3 ones, which see as far for fewer weights."
    ),
    options=(ACTIVATION, NORMALIZATION, DROPOUT, STEM),
)
def inception_v2(input_shape, num_classes, **options):
    return bn_inception(input_shape, num_classes, **options)


@register_model(
    name="inception_v3",
    display_name="Inception v3",
    family="Inception",
    card=INCEPTION_V3_CARD,
    blocks=INCEPTION_V3_BLOCKS,
    year=2015,
    paper=INCEPTION_V3_PAPER,
    canonical_input=(299, 299, 3),
    min_input=13,
    description=(
        "Inception v3 factorises convolutions: a 7x7 filter becomes a 1x7 followed by a 7x1, and "
        "grids shrink inside modules that pool and convolve with stride 2 side by side. With "
        "BatchNorm everywhere it reaches far better accuracy than GoogLeNet for about 5.7 "
        "billion multiply-adds at 299x299."
    ),
    options=(ACTIVATION, NORMALIZATION, DROPOUT, STEM, AUX_LOGITS),
)
def inception_v3(input_shape, num_classes, **options):
    return inception_v3_model(input_shape, num_classes, **options)
