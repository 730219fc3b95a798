"""Inception v3: factorised convolutions and grid reduction inside the modules.

Reference: Szegedy et al. 2015, "Rethinking the Inception Architecture for Computer Vision"
(arXiv:1512.00567). Registered in `inception.py` with the rest of the family.

With the default options this is `keras.applications.InceptionV3` layer for layer, in the same
order (so its ImageNet weights load with `set_weights`): convolutions without bias, BatchNorm
with `scale=False` (a ReLU follows, so a scale would be redundant) and epsilon 1e-3; 23,851,784
parameters at 299x299x3 with 1000 classes, 23,817,352 trainable. Module names follow
torchvision: A (35x35), B (35 -> 17 reduction), C (17x17 with 1x7/7x1 factorised 7x7), D
(17 -> 8 reduction) and E (8x8, expanded 1x3/3x1 branches); the concatenations keep Keras's names
`mixed0` ... `mixed10`.

Dropout defaults to 0, as keras.applications has none (TF-slim's reference uses 0.2 before the
classifier, torchvision 0.5). `aux_logits=True` adds the paper's auxiliary classifier on the
last 17x17 grid (mixed7), as TF-slim and torchvision build it: avg-pool 5x5/3, 1x1 conv 128,
5x5 conv 768, softmax; outputs are then `[predictions, aux_predictions]`.

Small inputs: keras.applications needs 75x75 (the stem's unpadded convolutions and pools and the
two reductions). `stem="small"` (what "auto" picks below 75 px) makes every stem convolution
stride-1 and "same"-padded, pads the first max-pool and drops the second, so the stem halves the
input instead of dividing it by about 8.5: 32x32 inputs reach mixed0-2 at 16x16, mixed3-7 at 7x7
and mixed8-10 at 3x3 (299x299: 35, 17 and 8). The reductions are unchanged; inputs from 13x13
work. `stem="imagenet"` is Keras's stem and takes inputs from 32x32, like the rest of the zoo:
an unpadded convolution or pool whose 3x3 window no longer fits the map (below 75 px the 17 -> 8
reduction's, below 43 px also the 35 -> 17 reduction's; the stem's fit from 27 px) is
"same"-padded instead, so from 75 px up every shape is Keras's, and a 32x32 input reaches mixed0
at 1x1. On small maps the auxiliary head's pool shrinks to the map, and its 5x5 convolution is
"same"-padded when the pooled map is smaller than 5x5; a global average pool then gives one
vector either way.
"""

from __future__ import annotations

import keras

from cnnstudio.models import layers

# "auto" picks the small stem below keras.applications' minimum; the ImageNet stem (padding
# the windows that do not fit) builds from the zoo-wide 32.
SMALL_STEM_BELOW = 75
IMAGENET_STEM_MINIMUM = 32

# Module table: (name, block, widths); the blocks below document their widths.
# Shapes are for 299 x 299 inputs.
INCEPTION_V3_MODULES = (
    ("mixed0", "a", (64, 48, 64, 64, 96, 32)),  # 35 x 35 x 256
    ("mixed1", "a", (64, 48, 64, 64, 96, 64)),  # 35 x 35 x 288
    ("mixed2", "a", (64, 48, 64, 64, 96, 64)),  # 35 x 35 x 288
    ("mixed3", "b", (384, 64, 96)),  # 17 x 17 x 768
    ("mixed4", "c", (192, 128, 192)),  # 17 x 17 x 768
    ("mixed5", "c", (192, 160, 192)),  # 17 x 17 x 768
    ("mixed6", "c", (192, 160, 192)),  # 17 x 17 x 768
    ("mixed7", "c", (192, 192, 192)),  # 17 x 17 x 768
    ("mixed8", "d", (192, 320, 192)),  # 8 x 8 x 1280
    ("mixed9", "e", (320, 384, 448, 192)),  # 8 x 8 x 2048
    ("mixed10", "e", (320, 384, 448, 192)),  # 8 x 8 x 2048
)
# The auxiliary classifier reads the last 17 x 17 module.
AUX_AFTER = "mixed7"


class _Conv:
    """conv + norm (scale=False) + activation with the model's options, as Keras's `conv2d_bn`."""

    def __init__(self, norm: str, act: str):
        self.norm, self.act = norm, act

    def __call__(
        self, x, filters: int, kernel_size, *, name: str, strides: int = 1, padding: str = "same"
    ):
        if padding == "valid":
            padding = fitting_padding(x, kernel_size)
        return layers.conv_bn_act(
            x,
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            name=name,
            normalization_kind=self.norm,
            activation_kind=self.act,
            scale=False,
        )


def fitting_padding(x, window) -> str:
    """'valid' (Keras's choice) where the window fits the map, else 'same' (see the docstring)."""
    height, width = (window, window) if isinstance(window, int) else window
    return "valid" if x.shape[1] >= height and x.shape[2] >= width else "same"


def max_pool_3x3_2(x, *, name: str):
    """The unpadded 3x3/2 max-pool of the stem and the reductions."""
    return keras.layers.MaxPooling2D(
        3,
        strides=2,
        padding=fitting_padding(x, 3),
        name=name,
    )(x)


def avg_pool_3x3(x, *, name: str):
    return keras.layers.AveragePooling2D(3, strides=1, padding="same", name=name)(x)


def inception_a(x, widths, *, name: str, conv: _Conv):
    """1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avg-pool -> 1x1.

    widths: 1x1, 5x5 reduce, 5x5, 3x3dbl reduce, 3x3dbl, pool proj.
    """
    ones, reduce5, conv5, reduce33, conv33, proj = widths
    branch1 = conv(x, ones, 1, name=f"{name}_1x1")
    branch5 = conv(x, reduce5, 1, name=f"{name}_5x5_reduce")
    branch5 = conv(branch5, conv5, 5, name=f"{name}_5x5")
    branch33 = conv(x, reduce33, 1, name=f"{name}_3x3dbl_reduce")
    branch33 = conv(branch33, conv33, 3, name=f"{name}_3x3dbl_1")
    branch33 = conv(branch33, conv33, 3, name=f"{name}_3x3dbl_2")
    pool = avg_pool_3x3(x, name=f"{name}_pool")
    pool = conv(pool, proj, 1, name=f"{name}_pool_proj")
    return keras.layers.Concatenate(name=name)([branch1, branch5, branch33, pool])


def inception_b(x, widths, *, name: str, conv: _Conv):
    """Grid reduction 35 -> 17: 3x3/2 | 1x1 -> 3x3 -> 3x3/2 | max-pool 3x3/2.

    widths: 3x3, 3x3dbl reduce, 3x3dbl.
    """
    conv3, reduce33, conv33 = widths
    branch3 = conv(x, conv3, 3, strides=2, padding="valid", name=f"{name}_3x3")
    branch33 = conv(x, reduce33, 1, name=f"{name}_3x3dbl_reduce")
    branch33 = conv(branch33, conv33, 3, name=f"{name}_3x3dbl_1")
    branch33 = conv(branch33, conv33, 3, strides=2, padding="valid", name=f"{name}_3x3dbl_2")
    pool = max_pool_3x3_2(x, name=f"{name}_pool")
    return keras.layers.Concatenate(name=name)([branch3, branch33, pool])


def inception_c(x, widths, *, name: str, conv: _Conv):
    """17 x 17 module with each 7x7 factorised into 1x7 and 7x1.

    widths: 1x1 (and every branch's output), the 7x7 branches' inner width, pool proj.
    """
    out, inner, proj = widths
    branch1 = conv(x, out, 1, name=f"{name}_1x1")
    branch7 = conv(x, inner, 1, name=f"{name}_7x7_reduce")
    branch7 = conv(branch7, inner, (1, 7), name=f"{name}_7x7_1x7")
    branch7 = conv(branch7, out, (7, 1), name=f"{name}_7x7_7x1")
    branch77 = conv(x, inner, 1, name=f"{name}_7x7dbl_reduce")
    branch77 = conv(branch77, inner, (7, 1), name=f"{name}_7x7dbl_7x1_1")
    branch77 = conv(branch77, inner, (1, 7), name=f"{name}_7x7dbl_1x7_1")
    branch77 = conv(branch77, inner, (7, 1), name=f"{name}_7x7dbl_7x1_2")
    branch77 = conv(branch77, out, (1, 7), name=f"{name}_7x7dbl_1x7_2")
    pool = avg_pool_3x3(x, name=f"{name}_pool")
    pool = conv(pool, proj, 1, name=f"{name}_pool_proj")
    return keras.layers.Concatenate(name=name)([branch1, branch7, branch77, pool])


def inception_d(x, widths, *, name: str, conv: _Conv):
    """Grid reduction 17 -> 8: 1x1 -> 3x3/2 | 1x1 -> 1x7 -> 7x1 -> 3x3/2 | max-pool 3x3/2.

    widths: the reduces' and the 7x7 branch's width, 3x3, 7x7x3 branch output.
    """
    reduce, conv3, conv7 = widths
    branch3 = conv(x, reduce, 1, name=f"{name}_3x3_reduce")
    branch3 = conv(branch3, conv3, 3, strides=2, padding="valid", name=f"{name}_3x3")
    branch7 = conv(x, reduce, 1, name=f"{name}_7x7x3_reduce")
    branch7 = conv(branch7, reduce, (1, 7), name=f"{name}_7x7x3_1x7")
    branch7 = conv(branch7, reduce, (7, 1), name=f"{name}_7x7x3_7x1")
    branch7 = conv(branch7, conv7, 3, strides=2, padding="valid", name=f"{name}_7x7x3_3x3")
    pool = max_pool_3x3_2(x, name=f"{name}_pool")
    return keras.layers.Concatenate(name=name)([branch3, branch7, pool])


def inception_e(x, widths, *, name: str, conv: _Conv):
    """8 x 8 module whose 3x3 branches end in parallel 1x3 and 3x1 (expanded filter banks).

    widths: 1x1, 3x3 (and every 1x3/3x1), 3x3dbl reduce, pool proj.
    """
    ones, width, reduce33, proj = widths
    branch1 = conv(x, ones, 1, name=f"{name}_1x1")
    branch3 = conv(x, width, 1, name=f"{name}_3x3_reduce")
    branch3 = keras.layers.Concatenate(name=f"{name}_3x3_concat")(
        [
            conv(branch3, width, (1, 3), name=f"{name}_3x3_1x3"),
            conv(branch3, width, (3, 1), name=f"{name}_3x3_3x1"),
        ]
    )
    branch33 = conv(x, reduce33, 1, name=f"{name}_3x3dbl_reduce")
    branch33 = conv(branch33, width, 3, name=f"{name}_3x3dbl_1")
    branch33 = keras.layers.Concatenate(name=f"{name}_3x3dbl_concat")(
        [
            conv(branch33, width, (1, 3), name=f"{name}_3x3dbl_1x3"),
            conv(branch33, width, (3, 1), name=f"{name}_3x3dbl_3x1"),
        ]
    )
    pool = avg_pool_3x3(x, name=f"{name}_pool")
    pool = conv(pool, proj, 1, name=f"{name}_pool_proj")
    return keras.layers.Concatenate(name=name)([branch1, branch3, branch33, pool])


BLOCKS = {"a": inception_a, "b": inception_b, "c": inception_c, "d": inception_d, "e": inception_e}


def stem_v3(x, stem: str, *, conv: _Conv):
    """Five convolutions and two max-pools (the small stem: see the module docstring)."""
    if stem == "imagenet":
        x = conv(x, 32, 3, strides=2, padding="valid", name="conv1")  # 149 x 149 x 32
        x = conv(x, 32, 3, padding="valid", name="conv2")  # 147 x 147 x 32
        x = conv(x, 64, 3, name="conv3")  # 147 x 147 x 64
        x = max_pool_3x3_2(x, name="pool1_pool")  # 73 x 73 x 64
        x = conv(x, 80, 1, padding="valid", name="conv4")  # 73 x 73 x 80
        x = conv(x, 192, 3, padding="valid", name="conv5")  # 71 x 71 x 192
        return max_pool_3x3_2(x, name="pool2_pool")  # 35 x 35 x 192
    x = conv(x, 32, 3, name="conv1")  # 32 x 32 x 32
    x = conv(x, 32, 3, name="conv2")  # 32 x 32 x 32
    x = conv(x, 64, 3, name="conv3")  # 32 x 32 x 64
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name="pool1_pool")(x)
    x = conv(x, 80, 1, name="conv4")  # 16 x 16 x 80
    return conv(x, 192, 3, name="conv5")  # 16 x 16 x 192


def auxiliary_classifier_v3(x, num_classes: int, *, name: str, conv: _Conv):
    """avg-pool 5x5/3, 1x1 conv 128, 5x5 conv 768, global average, softmax (17 x 17 input)."""
    window = (min(5, x.shape[1]), min(5, x.shape[2]))
    x = keras.layers.AveragePooling2D(window, strides=3, name=f"{name}_pool")(x)  # 5 x 5 x 768
    x = conv(x, 128, 1, name=f"{name}_1x1")
    padding = "valid" if min(x.shape[1], x.shape[2]) >= 5 else "same"
    x = conv(x, 768, 5, padding=padding, name=f"{name}_5x5")  # 1 x 1 x 768
    x = keras.layers.GlobalAveragePooling2D(name=f"{name}_avg_pool")(x)
    return layers.classifier(x, num_classes, name=f"{name}_predictions")


def inception_v3_model(
    input_shape,
    num_classes: int,
    *,
    activation: str,
    normalization: str,
    dropout: float,
    stem: str,
    aux_logits: bool,
    name: str = "inception_v3",
):
    """Inception v3 from the module table, optionally with its auxiliary head."""
    stem = layers.resolve_stem(stem, input_shape, SMALL_STEM_BELOW)
    if stem == "imagenet":
        layers.require_input_size(
            "Inception v3",
            input_shape,
            IMAGENET_STEM_MINIMUM,
            "with stem='imagenet'; stem='small' takes smaller images",
        )
    conv = _Conv(normalization, activation)
    inputs = layers.model_input(input_shape)
    x = stem_v3(inputs, stem, conv=conv)
    aux_outputs = []
    for module, block, widths in INCEPTION_V3_MODULES:
        x = BLOCKS[block](x, widths, name=module, conv=conv)
        if aux_logits and module == AUX_AFTER:
            aux_outputs.append(auxiliary_classifier_v3(x, num_classes, name="aux", conv=conv))
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.dropout(x, dropout, "top_dropout")
    outputs = layers.classifier(x, num_classes)
    return keras.Model(inputs, [outputs, *aux_outputs] if aux_outputs else outputs, name=name)
