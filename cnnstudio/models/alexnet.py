"""AlexNet.

Reference:
- A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet Classification with Deep
  Convolutional Neural Networks", NeurIPS 2012.

The paper's network on 227 x 227 x 3 images (the paper says 224, but only 227 gives its
55 x 55 conv1 maps): five convolutions 96 11x11/4, 256 5x5, 384 3x3, 384 3x3, 256 3x3, ReLU,
overlapping 3x3 stride-2 max-pooling after conv1, conv2 and conv5, then FC 4096-4096-classes
with dropout 0.5 on the outputs of the two hidden FC layers (as in the paper and Caffe's
bvlc_alexnet). With `grouped=True` (the default) conv2, conv4 and conv5 see only their own half
of the previous layer's maps, like the paper's network split over two GPUs: exactly 60,965,224
parameters at 227 x 227 x 3 with 1000 classes. `lrn=True` adds the paper's local response
normalisation after the ReLUs of conv1 and conv2; later work found that it hardly helps, so it is
off by default.

Small inputs: the 'small' stem replaces conv1's 11 x 11 stride-4 window by a 3 x 3 stride-1 one
(a 32 px image cannot afford to lose three quarters of its resolution in the first layer);
everything after conv1 is the paper's. `stem="auto"` picks 'small' below 96 px: with the paper
stem a 96 px image already ends at a 1 x 1 map after pool5, while the small stem at 95 px leaves
11 x 11 (the paper's 227 leaves 6 x 6). Where a map is smaller than a pooling window (the paper
stem on a 32 px image), the pool collapses it to 1 x 1 instead of failing.
"""

from __future__ import annotations

import keras
from keras import layers as keras_layers
from keras import ops

from cnnstudio.i18n import N_
from cnnstudio.model_metadata import ModelCard
from cnnstudio.models import layers
from cnnstudio.models.registry import (
    ACTIVATION,
    DROPOUT,
    NORMALIZATION,
    POOLING,
    STEM,
    Option,
    register_model,
)

# What the family knows about itself, as data: its card for students (message ids, translated
# where shown) and how it names its blocks.
ALEXNET_CARD = ModelCard(
    headline=N_("Deep CNNs win ImageNet: ReLU, dropout, GPUs and augmentation."),
    introduced=(
        N_(
            "ReLU, max(0, x), instead of tanh or sigmoid: it does not saturate for positive "
            "inputs, so gradients stay large and the paper's network trained several times "
            "faster."
        ),
        N_(
            "Dropout (p = 0.5) in the large fully-connected layers: randomly silencing units "
            "during training stops them co-adapting and curbs overfitting of 60 million "
            "parameters."
        ),
        N_(
            "Training on two GPUs: the layers were split into two groups, one per GPU, which "
            "is why the 'grouped' option exists."
        ),
        N_(
            "Data augmentation: random crops and horizontal flips of the training images, and "
            "colour (PCA lighting) jitter, multiplying the effective size of the data set."
        ),
        N_(
            "Also overlapping max pooling (3x3 windows, stride 2) and local response "
            "normalisation (the 'lrn' option)."
        ),
    ),
    why_it_mattered=N_(
        "In 2012 it cut the ImageNet top-5 error from about 26% to 15.3%, far ahead of "
        "every hand-engineered method. That result started the deep-learning era in "
        "computer vision, and GPUs became the standard tool for training."
    ),
)

ALEXNET_PAPER = (
    "Krizhevsky, Sutskever and Hinton 2012, ImageNet Classification with Deep Convolutional "
    "Neural Networks, NeurIPS 2012"
)

GROUPED = Option(
    "grouped",
    True,
    "Split conv2, conv4 and conv5 into two groups that see half of the previous maps each, as "
    "the paper's network split over two GPUs (it halves their weights).",
)
LRN = Option(
    "lrn",
    False,
    "Local response normalisation after conv1 and conv2 (paper: k=2, n=5, alpha=1e-4, beta=0.75).",
)

# (name, filters, kernel size, groups when grouped): the paper's five convolutions after conv1.
ALEXNET_CONVS = (
    ("conv2", 256, 5, 2),
    ("conv3", 384, 3, 1),
    ("conv4", 384, 3, 2),
    ("conv5", 256, 3, 2),
)
ALEXNET_CONV1_FILTERS = 96
ALEXNET_FC_UNITS = 4096
# Shorter sides below this get the small stem when stem="auto" (see the module docstring).
SMALL_STEM_BELOW = 96
# conv1's unpadded 11 x 11 window needs at least 11 pixels.
IMAGENET_STEM_MIN_INPUT = 11


@keras.saving.register_keras_serializable(package="cnnstudio")
class LocalResponseNormalization(keras_layers.Layer):
    """Local response normalisation across channels (Krizhevsky et al. 2012, section 3.3).

    b[c] = a[c] / (k + alpha * sum(a[j] ** 2 for j within size // 2 channels of c)) ** beta

    This is the paper's form (and TensorFlow's `local_response_normalization` with
    depth_radius = size // 2); Caffe divides alpha by `size`. Channels last; no weights.
    """

    def __init__(
        self, size: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75, **kwargs
    ):
        super().__init__(**kwargs)
        if size < 1 or size % 2 == 0:
            raise ValueError(f"LRN size must be a positive odd number; received {size!r}")
        self.size = size
        self.k = k
        self.alpha = alpha
        self.beta = beta

    def call(self, inputs):
        radius = self.size // 2
        channels = inputs.shape[-1]
        squares = ops.pad(
            ops.square(inputs), [[0, 0]] * (len(inputs.shape) - 1) + [[radius, radius]]
        )
        # Sum of the squares over each channel's window: `size` shifted slices of the padding.
        window_sum = sum(squares[..., i : i + channels] for i in range(self.size))
        return inputs / ops.power(self.k + self.alpha * window_sum, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, k=self.k, alpha=self.alpha, beta=self.beta)
        return config


def alexnet_conv(
    x,
    filters: int,
    kernel_size: int,
    *,
    name: str,
    strides: int = 1,
    padding: str = "same",
    groups: int = 1,
    activation_kind: str,
    normalization_kind: str,
    lrn: bool = False,
):
    """Convolution, optional normalisation, activation, optional local response normalisation."""
    x = layers.conv_bn_act(
        x,
        filters,
        kernel_size,
        name=name,
        strides=strides,
        padding=padding,
        groups=groups,
        normalization_kind=normalization_kind,
        activation_kind=activation_kind,
    )
    if lrn:
        x = LocalResponseNormalization(name=f"{name}_lrn")(x)
    return x


def fc_block(x, units: int, *, name: str, activation_kind: str, dropout: float):
    """A hidden fully-connected layer, its activation, then dropout on its outputs."""
    x = keras_layers.Dense(units, name=name)(x)
    x = layers.activation(x, activation_kind, name=name)
    return layers.dropout(x, dropout, name=f"{name}_dropout")


def build_alexnet(
    input_shape,
    num_classes: int,
    *,
    activation: str,
    pooling: str,
    normalization: str,
    dropout: float,
    stem: str,
    grouped: bool,
    lrn: bool,
    name: str = "alexnet",
) -> keras.Model:
    stem = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem == "imagenet":
        layers.require_input_size(
            "AlexNet",
            input_shape,
            IMAGENET_STEM_MIN_INPUT,
            because="the paper stem's 11x11 convolution; stem='small' takes smaller images",
        )
    conv = {"activation_kind": activation, "normalization_kind": normalization}

    inputs = layers.model_input(input_shape)
    # conv1: 55 x 55 x 96 (paper stem at 227), 32 x 32 x 96 (small stem at 32)
    if stem == "imagenet":
        x = alexnet_conv(
            inputs,
            ALEXNET_CONV1_FILTERS,
            11,
            strides=4,
            padding="valid",
            name="conv1",
            lrn=lrn,
            **conv,
        )
    else:
        x = alexnet_conv(inputs, ALEXNET_CONV1_FILTERS, 3, name="conv1", lrn=lrn, **conv)
    # pool1: 27 x 27 x 96 (15 x 15 at 32 with the small stem)
    x = layers.overlapping_pooling(x, pooling, name="pool1")
    for conv_name, filters, kernel_size, groups in ALEXNET_CONVS:
        # conv2: 27 x 27 x 256; conv3, conv4: 13 x 13 x 384; conv5: 13 x 13 x 256
        x = alexnet_conv(
            x,
            filters,
            kernel_size,
            groups=groups if grouped else 1,
            name=conv_name,
            lrn=lrn and conv_name == "conv2",
            **conv,
        )
        if conv_name == "conv2":
            # pool2: 13 x 13 x 256
            x = layers.overlapping_pooling(x, pooling, name="pool2")
    # pool5: 6 x 6 x 256 = 9216 features (3 x 3 x 256 at 32 with the small stem)
    x = layers.overlapping_pooling(x, pooling, name="pool5")
    x = keras_layers.Flatten(name="pool5_flatten")(x)
    x = fc_block(x, ALEXNET_FC_UNITS, name="fc6", activation_kind=activation, dropout=dropout)
    x = fc_block(x, ALEXNET_FC_UNITS, name="fc7", activation_kind=activation, dropout=dropout)
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


@register_model(
    name="alexnet",
    display_name="AlexNet",
    family="AlexNet",
    card=ALEXNET_CARD,
    year=2012,
    paper=ALEXNET_PAPER,
    canonical_input=(227, 227, 3),
    min_input=32,
    description=(
        "AlexNet won the 2012 ImageNet challenge by a wide margin and started the deep learning "
        "era in computer vision. It scaled LeNet's idea up to 60 million parameters and made it "
        "trainable with ReLU activations, dropout, data augmentation and two GPUs, showing that "
        "learned features beat hand-crafted ones given enough data and compute."
    ),
    options=(
        ACTIVATION,
        POOLING,
        NORMALIZATION.with_default("none"),
        DROPOUT.with_default(0.5),
        STEM,
        GROUPED,
        LRN,
    ),
)
def alexnet(input_shape, num_classes, **options) -> keras.Model:
    return build_alexnet(input_shape, num_classes, **options)
