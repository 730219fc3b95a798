"""LeNet-5.

Reference:
- Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to document
  recognition", Proceedings of the IEEE 86(11), 1998.

The paper's layout, C1-S2-C3-S4-C5-F6-output, on 32 x 32 x 1 images, with three modern
simplifications that every textbook version makes:

- C3 connects to all six S2 maps (the paper's sparse connection table leaves 60 of its 96
  kernels; a full C3 has 2,416 weights instead of 1,516);
- S2 and S4 are plain average (or max) pooling: the paper's subsampling also multiplied each
  map by a trainable coefficient and added a bias before a sigmoid;
- the output is a softmax dense layer instead of Euclidean RBF units.

With these, the model has exactly 61,706 parameters at 32 x 32 x 1 with 10 classes.

Small inputs: 32 x 32 is the canonical size and the smallest (C5's 5 x 5 window needs the 5 x 5
maps of S4; the paper padded 28 x 28 MNIST digits to 32 x 32 for this reason). Larger inputs
leave a larger C5 map, and the flatten before F6 grows with it.
"""

from __future__ import annotations

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
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
LENET_CARD = ModelCard(
    headline=N_("Learned convolutions and subsampling, trained end to end."),
    introduced=(
        N_(
            "Convolution with shared weights: each feature map slides one small 5x5 filter "
            "over the whole image, so a feature is detected wherever it appears and a layer "
            "needs few parameters."
        ),
        N_(
            "Subsampling (average pooling) after each convolution halves the resolution, "
            "which makes the features tolerant to small shifts and distortions of the input."
        ),
        N_(
            "Alternating convolution and subsampling builds features from strokes to parts "
            "to digits; a few fully-connected layers classify them."
        ),
        N_(
            "The whole network, from pixels to class, is trained by backpropagation: no "
            "hand-designed feature extractor."
        ),
    ),
    why_it_mattered=N_(
        "It read a large share of the cheques in the United States in the late 1990s and "
        "set the template every later CNN follows: convolution, non-linearity, pooling, "
        "repeated, then a classifier. It is small enough to train on a laptop in seconds."
    ),
    worked_example=(
        N_("C1: 6 filters of 5x5 over 1 channel"),
        N_("    6 x (5*5*1 + 1) = 156 parameters"),
        N_("A dense layer from 32x32 pixels to 6x28x28 units would need"),
        N_("    1024 * 4704 + 4704 = 4,821,600 parameters"),
    ),
)

LENET_PAPER = (
    "LeCun, Bottou, Bengio and Haffner 1998, Gradient-based learning applied to document "
    "recognition, Proceedings of the IEEE 86(11)"
)

# The feature maps of C1, C3 and C5 (all 5 x 5, unpadded), then F6's units.
LENET5_WIDTHS = (6, 16, 120)
LENET5_F6_UNITS = 84


def lenet_conv(x, filters: int, *, name: str, activation_kind: str, normalization_kind: str):
    """A 5 x 5 unpadded convolution, an optional normalisation, the activation."""
    return layers.conv_bn_act(
        x,
        filters,
        5,
        name=name,
        padding="valid",
        normalization_kind=normalization_kind,
        activation_kind=activation_kind,
    )


def lenet(
    widths: tuple[int, int, int],
    f6_units: int,
    input_shape,
    num_classes: int,
    *,
    activation: str,
    pooling: str,
    normalization: str,
    dropout: float,
    name: str,
) -> keras.Model:
    c1, c3, c5 = widths
    inputs = layers.model_input(input_shape)
    conv = {"activation_kind": activation, "normalization_kind": normalization}
    # c1: 28 x 28 x 6, s2: 14 x 14 x 6 (at 32 x 32 x 1)
    x = lenet_conv(inputs, c1, name="c1", **conv)
    x = layers.pooling(x, pooling, 2, name="s2_pool")
    # c3: 10 x 10 x 16, s4: 5 x 5 x 16
    x = lenet_conv(x, c3, name="c3", **conv)
    x = layers.pooling(x, pooling, 2, name="s4_pool")
    # c5: 1 x 1 x 120, a fully-connected layer in all but name at 32 x 32
    x = lenet_conv(x, c5, name="c5", **conv)
    x = keras_layers.Flatten(name="c5_flatten")(x)
    x = layers.dropout(x, dropout, name="c5_dropout")
    x = keras_layers.Dense(f6_units, name="f6_dense")(x)
    x = layers.activation(x, activation, name="f6")
    x = layers.dropout(x, dropout, name="f6_dropout")
    outputs = layers.classifier(x, num_classes)
    return keras.Model(inputs, outputs, name=name)


@register_model(
    name="lenet5",
    display_name="LeNet-5",
    family="LeNet",
    card=LENET_CARD,
    year=1998,
    paper=LENET_PAPER,
    canonical_input=(32, 32, 1),
    min_input=32,
    default_classes=10,
    description=(
        "LeNet-5 is the convolutional network that read handwritten digits and bank cheques in "
        "the 1990s. It established the recipe still used today: convolutions with shared "
        "weights find local features, subsampling makes them tolerant to small shifts, and a "
        "few fully-connected layers classify them, all trained end to end by backpropagation."
    ),
    options=(
        ACTIVATION.with_default("tanh"),
        POOLING.with_default("avg"),
        NORMALIZATION.with_default("none"),
        DROPOUT,
    ),
)
def lenet5(input_shape, num_classes, **options) -> keras.Model:
    return lenet(LENET5_WIDTHS, LENET5_F6_UNITS, input_shape, num_classes, name="lenet5", **options)
