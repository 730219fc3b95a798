"""Small building blocks shared by the model families.

Every helper takes an explicit `name` and derives stable layer names from it, so the graph view,
checkpoints and tests can rely on them: `conv_bn_act(x, 64, 7, name="conv1")` makes `conv1_conv`,
`conv1_bn` and `conv1_relu`, like `keras.applications`.
"""

from __future__ import annotations

import keras
from keras import layers

from cnnstudio.model_metadata import format_shape

# Suffix of a normalisation layer's name, by kind.
NORM_SUFFIX = {"batch": "bn", "layer": "ln", "instance": "in", "group": "gn"}


def group_count(channels: int, preferred: int = 32) -> int:
    """Groups for GroupNorm: the largest divisor of `channels` up to `preferred`, keeping at
    least two channels per group where possible (Wu and He 2018 use 32 groups)."""
    limit = max(1, min(preferred, channels // 2))
    return max(g for g in range(1, limit + 1) if channels % g == 0)


def normalization(
    x,
    kind: str,
    name: str,
    *,
    epsilon: float = 1e-3,
    momentum: float = 0.99,
    scale: bool = True,
    center: bool = True,
):
    """Apply the normalisation `kind` ('batch', 'layer', 'instance', 'group', 'none').

    LayerNorm and InstanceNorm are GroupNorm with one group and one group per channel: this is
    the convolutional form (statistics over height, width and channels, one scale per channel),
    so the parameter count does not depend on the input size.
    """
    if kind == "none":
        return x
    layer_name = f"{name}_{NORM_SUFFIX[kind]}"
    if kind == "batch":
        return layers.BatchNormalization(
            axis=-1,
            epsilon=epsilon,
            momentum=momentum,
            scale=scale,
            center=center,
            name=layer_name,
        )(x)
    channels = x.shape[-1]
    groups = {"layer": 1, "instance": -1, "group": group_count(channels)}[kind]
    return layers.GroupNormalization(
        groups=groups,
        epsilon=epsilon,
        scale=scale,
        center=center,
        name=layer_name,
    )(x)


def activation(x, kind: str, name: str):
    """`name_relu`, `name_tanh`, ... (the suffix is the activation, as in keras.applications)."""
    return layers.Activation(kind, name=f"{name}_{kind}")(x)


def conv_bn_act(
    x,
    filters: int,
    kernel_size: int | tuple[int, int],
    *,
    name: str,
    strides: int = 1,
    padding: str = "same",
    groups: int = 1,
    use_bias: bool | None = None,
    normalization_kind: str = "batch",
    activation_kind: str | None = "relu",
    epsilon: float = 1e-3,
    momentum: float = 0.99,
    scale: bool = True,
):
    """Convolution, optional normalisation, optional activation.

    `use_bias=None` means: a bias only when there is no normalisation to absorb it.
    """
    if use_bias is None:
        use_bias = normalization_kind == "none"
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        groups=groups,
        use_bias=use_bias,
        name=f"{name}_conv",
    )(x)
    x = normalization(x, normalization_kind, name, epsilon=epsilon, momentum=momentum, scale=scale)
    if activation_kind is not None:
        x = activation(x, activation_kind, name)
    return x


def pooling(
    x, kind: str, pool_size: int, *, strides: int | None = None, padding: str = "valid", name: str
):
    """Max or average pooling under one name, so the `pooling` option swaps them in place."""
    layer = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
    return layer(pool_size, strides=strides, padding=padding, name=name)(x)


def overlapping_pooling(x, kind: str, *, name: str, pool_size: int = 3, strides: int = 2):
    """AlexNet's and NiN's overlapping 3x3 stride-2 pooling, unpadded as in the papers.

    A map already smaller than the window (the paper stem on a 32 px image leaves 2 x 2 after
    conv2) is pooled with 'same' padding instead, i.e. to a single cell: the layer stays in the
    graph and the model builds at any size, while every size at which the unpadded pool is
    defined (224, 227) keeps exactly the paper's shapes.
    """
    too_small = min(x.shape[1], x.shape[2]) < pool_size
    return pooling(
        x, kind, pool_size, strides=strides, padding="same" if too_small else "valid", name=name
    )


def dropout(x, rate: float, name: str):
    """Dropout only when the rate is positive: a zero rate adds no layer to the graph."""
    return layers.Dropout(rate, name=name)(x) if rate > 0 else x


def classifier(x, num_classes: int, name: str = "predictions"):
    """The softmax output layer (named `predictions`, as in keras.applications)."""
    return layers.Dense(num_classes, activation="softmax", name=name)(x)


def model_input(input_shape: tuple[int, int, int]) -> keras.KerasTensor:
    return keras.Input(shape=input_shape, name="input")


def resolve_stem(stem: str, input_shape: tuple[int, int, int], small_below: int) -> str:
    """'auto' picks 'small' when the shorter side is below `small_below` pixels."""
    if stem != "auto":
        return stem
    return "small" if min(input_shape[:2]) < small_below else "imagenet"


def require_input_size(
    model: str, input_shape: tuple[int, int, int], minimum: int, because: str = ""
) -> None:
    """Raise the zoo's standard message when `input_shape` is smaller than `minimum`."""
    if min(input_shape[:2]) < minimum:
        reason = f" ({because})" if because else ""
        raise ValueError(
            f"{model} needs inputs of at least {minimum}x{minimum}{reason}; "
            f"received {format_shape(input_shape)}"
        )
