"""Where to look inside a model: the Grad-CAM target layer, the stage ends, the classifier head.

Found from the model's structure (layer order and output ranks), never from a layer name a person
types, so it works for every model of the zoo and for a foreign `.keras` file:

* the target layer is the last layer with a 4-D output (N, H, W, C) before the first layer that
  drops the spatial axes (global pooling, Flatten, a Dense on vectors);
* a model that nests another (the run's model: an input standardisation layer, then the zoo
  model whole, see `training.recipe`) is looked into: `unwrap` gives the chain of layers in
  front and the innermost model, whose layers are searched;
* a stage end is the last layer of each spatial resolution up to the target layer (ResNet-50:
  conv1_relu 112x112, conv2_block3_out 56x56, ..., conv5_block3_out 7x7), starting at the first
  layer with a convolution kernel, so input rescaling and augmentation layers are passed over.
"""

from __future__ import annotations

from typing import Any

import keras

from cnnstudio.i18n import _

_PADDING = (keras.layers.ZeroPadding2D, keras.layers.Cropping2D)


def _rank(layer: keras.layers.Layer) -> int | None:
    try:
        shape = layer.output.shape
    except (AttributeError, ValueError):
        return None
    return len(shape)


def _has_conv_kernel(layer: keras.layers.Layer) -> bool:
    return any(len(weight.shape) == 4 for weight in layer.weights)


def unwrap(model: keras.Model) -> tuple[list[keras.layers.Layer], keras.Model]:
    """(layers applied in a chain before the core, the core model). A model is looked into when
    its layers form a single chain that ends in a nested functional model."""
    chain: list[keras.layers.Layer] = []
    while True:
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not layers or not isinstance(layers[-1], keras.Model) or len(model.inputs) != 1:
            return chain, model
        if any(isinstance(layer, keras.Model) for layer in layers[:-1]) or not _is_chain(layers):
            return chain, model
        chain += layers[:-1]
        model = layers[-1]


def _is_chain(layers: list[keras.layers.Layer]) -> bool:
    """Each layer called on the output of the layer before it (the first on the input). Only the
    first call counts: `feature_model` calls the chain again, adding calls to these layers."""
    previous = None
    for layer in layers:
        nodes = getattr(layer, "_inbound_nodes", [])
        if not nodes:
            return False
        parents = [t._keras_history[0] for t in nodes[0].input_tensors]
        if len(parents) != 1:
            return False
        if previous is not None and parents[0] is not previous:
            return False
        previous = layer
    return True


def core(model: keras.Model) -> keras.Model:
    return unwrap(model)[1]


def feature_model(
    model: keras.Model, names: list[str], last: str = "output"
) -> tuple[keras.Model, keras.layers.Layer | None]:
    """A model from `model`'s input to the outputs of the layers `names` (of the core) and then,
    with last="output", the model's output; with last="logits", the class scores before a final
    softmax, returned with the Dense layer whose matmul is left to the caller (or None); with
    last="none", nothing more."""
    chain, inner = unwrap(model)
    outputs = [check_layer(inner, name).output for name in names]
    dense = None
    if last != "none":
        final = inner.layers[-1]
        output = inner.output
        activation = getattr(final, "activation", None)
        if last == "logits" and getattr(activation, "__name__", "") == "softmax":
            if isinstance(final, keras.layers.Dense):
                dense, output = final, final.input
            elif isinstance(final, keras.layers.Activation):
                output = final.input
        outputs.append(output)
    inner_model = keras.Model(inner.inputs, outputs)
    if not chain:
        return inner_model, dense
    inputs = keras.Input(model.input_shape[1:])
    x = inputs
    for layer in chain:
        x = layer(x)
    return keras.Model(inputs, inner_model(x)), dense


def spatial_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Layers with a 4-D output, in model order, up to the first that drops spatial axes."""
    model = core(model)
    found: list[keras.layers.Layer] = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        rank = _rank(layer)
        if rank == 4:
            # A 1 x 1 map (LeNet-5's C5) has no "where": it is a classifier layer in disguise.
            if tuple(layer.output.shape[1:3]) != (1, 1):
                found.append(layer)
        elif found and rank is not None and rank < 4:
            break
    return found


def default_target_layer(model: keras.Model) -> str:
    """The last convolutional block's output before the classifier."""
    layers = spatial_layers(model)
    if not layers:
        raise ValueError(
            _(
                "{name} has no layer with a spatial (height x width x channels) "
                "output: Grad-CAM needs a convolutional model"
            ).format(name=model.name)
        )
    return layers[-1].name


def stage_layers(model: keras.Model) -> list[str]:
    """The last layer of each spatial resolution, from the first convolution to the target."""
    layers = spatial_layers(model)
    first_conv = next((i for i, layer in enumerate(layers) if _has_conv_kernel(layer)), None)
    if first_conv is None:
        return [layers[-1].name] if layers else []
    ends: dict[tuple[Any, Any], str] = {}
    for layer in layers[first_conv:]:
        if isinstance(layer, _PADDING):  # ResNet's pool1_pad: a border, not a stage
            continue
        _, height, width, _ = layer.output.shape
        ends.pop((height, width), None)  # re-inserted: dict order follows the last layer seen
        ends[(height, width)] = layer.name
    return list(ends.values())


def check_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    """The layer called `name` (in the core), which must have a 4-D output; a clear error
    otherwise."""
    model = core(model)
    try:
        layer = model.get_layer(name)
    except ValueError:
        names = [layer.name for layer in spatial_layers(model)]
        shown = ", ".join(names[-5:])
        raise ValueError(
            _("{name} has no layer called {name2!r}; its last spatial layers are {shown}").format(
                name=model.name, name2=name, shown=shown
            )
        ) from None
    if _rank(layer) != 4:
        raise ValueError(
            _(
                "layer {name!r} of {name2} has no spatial output (its shape is "
                "{tuple}); choose a convolution, pooling or block output"
            ).format(name=name, name2=model.name, tuple=tuple(layer.output.shape))
        )
    return layer


def layers_after(model: keras.Model, name: str) -> list[keras.layers.Layer]:
    """Layers that come after `name` in model order and hold weights: the classifier head that
    the sanity check randomises."""
    model = core(model)
    names = [layer.name for layer in model.layers]
    start = names.index(name) + 1
    return [layer for layer in model.layers[start:] if layer.weights]
