"""Where to look inside a model: the Grad-CAM target layer, the stage ends, the classifier head.

Found from the model's structure (layer order and output ranks), never from a layer name a person
types, so it works for every model of the zoo and for a foreign `.keras` file:

* the target layer is the last layer with a 4-D output (N, H, W, C) before the first layer that
  drops the spatial axes (global pooling, Flatten, a Dense on vectors);
* a stage end is the last layer of each spatial resolution up to the target layer (ResNet-50:
  conv1_relu 112x112, conv2_block3_out 56x56, ..., conv5_block3_out 7x7), starting at the first
  layer with a convolution kernel, so input rescaling and augmentation layers are passed over.
"""

from __future__ import annotations

from typing import Any

import keras


def _rank(layer: keras.layers.Layer) -> int | None:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return None
    return len(shape)


def _has_conv_kernel(layer: keras.layers.Layer) -> bool:
    return any(len(weight.shape) == 4 for weight in layer.weights)


def _spatial_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Layers with a 4-D output, in model order, up to the first that drops spatial axes."""
    found: list[keras.layers.Layer] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        rank = _rank(layer)
        if rank == 4:
            found.append(layer)
        elif found and rank is not None and rank < 4:
            break
    return found


def default_target_layer(model: keras.Model) -> str:
    """The last convolutional block's output before the classifier."""
    layers = _spatial_layers(model)
    if not layers:
        raise ValueError(
            f"{model.name} has no layer with a spatial (height x width x channels) output: "
            f"Grad-CAM needs a convolutional model"
        )
    return layers[-1].name


def stage_layers(model: keras.Model) -> list[str]:
    """The last layer of each spatial resolution, from the first convolution to the target."""
    layers = _spatial_layers(model)
    first_conv = next((i for i, layer in enumerate(layers) if _has_conv_kernel(layer)), None)
    if first_conv is None:
        return [layers[-1].name] if layers else []
    ends: dict[tuple[Any, Any], str] = {}
    for layer in layers[first_conv:]:
        _, height, width, _ = layer.output.shape
        ends.pop((height, width), None)  # re-inserted: dict order follows the last layer seen
        ends[(height, width)] = layer.name
    return list(ends.values())


def check_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    """The layer called `name`, which must have a 4-D output; a clear error otherwise."""
    try:
        layer = model.get_layer(name)
    except ValueError:
        names = [layer.name for layer in _spatial_layers(model)]
        shown = ", ".join(names[-5:])
        raise ValueError(
            f"{model.name} has no layer called {name!r}; its last spatial layers are {shown}"
        ) from None
    if _rank(layer) != 4:
        raise ValueError(
            f"layer {name!r} of {model.name} has no spatial output (its shape is "
            f"{tuple(layer.output.shape)}); choose a convolution, pooling or block output"
        )
    return layer


def layers_after(model: keras.Model, name: str) -> list[keras.layers.Layer]:
    """Layers that come after `name` in model order and hold weights: the classifier head that
    the sanity check randomises."""
    names = [layer.name for layer in model.layers]
    start = names.index(name) + 1
    return [layer for layer in model.layers[start:] if layer.weights]
