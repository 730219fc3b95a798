"""Layer statistics: what a person wants to know about each layer of a built functional model.

`compute_model_stats(model)` describes any built functional `keras.Model` as plain data
(dataclasses of strings, ints and tuples; `to_dict()` gives JSON): per layer its type, shapes,
parameters with the formula behind them (`5*5*1*6 + 6 = 156`), multiply-accumulates, receptive
field and the block it belongs to, plus the graph edges. The graph view, `cnnstudio summary` and
the app read this, never the Keras objects.

Conventions (see shared/REFERENCE.md):

* MACs are the multiply-accumulates of one image's forward pass through convolutions (grouped,
  depthwise, separable, transposed) and dense layers; every other layer counts 0. FLOPs = 2 x MACs.
  This is the convention of the ResNet paper, torchvision's `GFLOPS` and fvcore.
* Parameters are Keras's: BatchNorm's moving mean and variance count, as non-trainable.
* The receptive field of a layer's output is the input window one output position sees, per
  spatial axis, with its jump (the distance in input pixels between neighbouring outputs). It is
  propagated through the graph: a merge takes the largest field and jump of its inputs; it is
  undefined (None) once spatial structure is gone (Flatten, Dense on vectors, global pooling).

Only Keras's public surface is read: `model.get_config()` (each layer's `inbound_nodes` holds the
serialised input tensors with their shapes and `keras_history = [layer, node, tensor]`),
`model.layers`, `layer.get_config()` and `layer.weights`.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import keras

from cnnstudio.engine.formatting import format_count, format_int  # noqa: F401 (re-exported)
from cnnstudio.i18n import _

Shape = tuple[int | None, ...]

# --- blocks ---------------------------------------------------------------------------------------

# The block a layer belongs to, from its stable name: the first pattern that matches wins and its
# first group is the block. Each zoo family declares its own (`ModelMeta.blocks`, next to its
# builders); a generic pattern comes last, for every model:
#
#   pattern                    example layer name             block          family
#   <stage>_block<k>_...       conv3_block2_1_conv            conv3_block2   ResNet, DenseNet
#   inception_<k><x>_...       inception_3a_5x5_reduce_conv   inception_3a   Inception v1, v2
#   mixed<k>_... / mixed_<k>   mixed0_3x3dbl_reduce_conv      mixed0         Inception v3
#   block<k>_...               block1_conv1                   block1         VGG
#   <letters><digits>[x]_...   conv1_bn, pool2_pool, fc6_relu conv1, pool2, fc6   (generic)
#   <letters><digits>[x]       c1, pool1, fc6                 the name itself     (generic)
#   anything else              input, flatten, predictions    "" (top level, no block)
GENERIC_BLOCK_PATTERN = re.compile(r"^([a-z]+\d+[a-z]?)(?:_|$)")


@functools.cache
def block_patterns() -> tuple[re.Pattern[str], ...]:
    """The families' block patterns in registry order (each once), then the generic one."""
    from cnnstudio.models import list_models

    declared = dict.fromkeys(block.pattern for info in list_models() for block in info.blocks)
    return (*(re.compile(pattern) for pattern in declared), GENERIC_BLOCK_PATTERN)


def block_of(layer_name: str) -> str:
    """The block `layer_name` belongs to by `block_patterns()`, or "" for a top-level layer."""
    for pattern in block_patterns():
        match = pattern.match(layer_name)
        if match:
            return match.group(1)
    return ""


# --- the description ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceptiveField:
    """Input window per spatial axis (height, width) seen by one output position, and the jump
    (cumulative stride) between neighbouring output positions, in input pixels."""

    size: tuple[int, ...]
    jump: tuple[int, ...]

    def __str__(self) -> str:
        return _axes_text(self.size)


@dataclass(frozen=True)
class LayerStats:
    """One layer (or Keras operation) of a functional model, as plain data."""

    name: str
    type: str
    block: str
    # Names of the layers whose outputs this layer consumes, in call order (graph edges).
    inbound: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    trainable_params: int
    non_trainable_params: int
    # '5*5*1*6 + 6 = 156'; '' for a layer without weights.
    formula: str
    macs: int
    receptive_field: ReceptiveField | None
    # How many times the layer is called in the model (a shared layer counts its MACs each time).
    calls: int = 1

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def output_shape(self) -> Shape:
        return self.output_shapes[0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["params"] = self.params
        data["flops"] = self.flops
        data["inbound"] = list(self.inbound)
        data["input_shapes"] = [list(s) for s in self.input_shapes]
        data["output_shapes"] = [list(s) for s in self.output_shapes]
        if self.receptive_field is not None:
            data["receptive_field"] = {
                "size": list(self.receptive_field.size),
                "jump": list(self.receptive_field.jump),
            }
        return data


@dataclass(frozen=True)
class BlockStats:
    """Totals of the consecutive layers sharing a block name."""

    name: str
    layers: tuple[str, ...]
    params: int
    macs: int


@dataclass(frozen=True)
class ModelStats:
    """Every layer of a model in topological order (Keras's order), and the totals."""

    name: str
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    layers: tuple[LayerStats, ...]
    keras_version: str = field(default=keras.__version__)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params

    @property
    def trainable_params(self) -> int:
        return sum(layer.trainable_params for layer in self.layers)

    @property
    def non_trainable_params(self) -> int:
        return sum(layer.non_trainable_params for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def layer(self, name: str) -> LayerStats:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def edges(self) -> list[tuple[str, str]]:
        """(source, target) layer names, one per distinct connection."""
        return [(source, layer.name) for layer in self.layers for source in layer.inbound]

    def blocks(self) -> list[BlockStats]:
        """Runs of consecutive layers with the same block name ('' runs included), in order."""
        runs: list[list[LayerStats]] = []
        for layer in self.layers:
            if runs and runs[-1][0].block == layer.block:
                runs[-1].append(layer)
            else:
                runs.append([layer])
        return [
            BlockStats(
                name=run[0].block,
                layers=tuple(layer.name for layer in run),
                params=sum(layer.params for layer in run),
                macs=sum(layer.macs for layer in run),
            )
            for run in runs
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "keras_version": self.keras_version,
            "input_shapes": [list(s) for s in self.input_shapes],
            "output_shapes": [list(s) for s in self.output_shapes],
            "totals": {
                "params": self.params,
                "trainable_params": self.trainable_params,
                "non_trainable_params": self.non_trainable_params,
                "macs": self.macs,
                "flops": self.flops,
            },
            "layers": [layer.to_dict() for layer in self.layers],
        }


# --- computing it -----------------------------------------------------------------------------

_CONVOLUTIONS = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
_TRANSPOSED = (
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
)
_DEPTHWISE = (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)
_SEPARABLE = (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)
_POOLING = (
    keras.layers.MaxPooling1D,
    keras.layers.MaxPooling2D,
    keras.layers.MaxPooling3D,
    keras.layers.AveragePooling1D,
    keras.layers.AveragePooling2D,
    keras.layers.AveragePooling3D,
)
# Layers whose window widens the receptive field: config key of the window size.
_WINDOWED = {
    **dict.fromkeys(_CONVOLUTIONS + _DEPTHWISE + _SEPARABLE, "kernel_size"),
    **dict.fromkeys(_POOLING, "pool_size"),
}
# Padding and cropping move the window but do not widen it.
_PADDING = (
    keras.layers.ZeroPadding1D,
    keras.layers.ZeroPadding2D,
    keras.layers.ZeroPadding3D,
    keras.layers.Cropping1D,
    keras.layers.Cropping2D,
    keras.layers.Cropping3D,
)
_NORMALIZATION = (
    keras.layers.BatchNormalization,
    keras.layers.GroupNormalization,
    keras.layers.LayerNormalization,
)


@dataclass
class _Call:
    """One call of a layer in the model: its input tensors' keys and shapes."""

    inputs: list[tuple[tuple[str, int, int], Shape]]


def compute_model_stats(model: keras.Model) -> ModelStats:
    """Describe a built functional `model` layer by layer (see the module docstring).

    Raises ValueError for a model that is not functional (a Sequential model is functional once
    built with an input) or whose spatial sizes are not fixed (MACs would be unknown).
    """
    if isinstance(model, keras.Sequential) and model.inputs:
        # A Sequential config lists layers without edges; the same layers as a functional
        # model have them.
        model = keras.Model(model.inputs, model.outputs, name=model.name)
    try:
        config = model.get_config()
        layer_configs = config["layers"]
        names = [entry["name"] for entry in layer_configs]
    except (KeyError, NotImplementedError, TypeError):
        raise ValueError(
            _(
                "layer statistics need a built functional model; {name!r} is a "
                "{name__} without a layer graph"
            ).format(name=model.name, name__=type(model).__name__)
        ) from None
    layers_by_name = {layer.name: layer for layer in model.layers}

    calls_by_layer = {
        name: list(_calls(entry)) for name, entry in zip(names, layer_configs, strict=True)
    }
    # Every tensor's shape, keyed by its history (layer, node, tensor): consumers record them.
    shapes: dict[tuple[str, int, int], Shape] = {}
    for calls in calls_by_layer.values():
        for call in calls:
            shapes.update(call.inputs)
    for key, tensor in zip(_output_keys(config), model.outputs, strict=True):
        shapes[key] = _shape(tensor.shape)
    # Each call's output shapes by (layer, node), indexed once: a scan of every shape per layer
    # was quadratic and cost a second on DenseNet-201.
    outputs_by_call: dict[tuple[str, int], list[tuple[int, Shape]]] = {}
    for (layer_name, node, index), shape in shapes.items():
        outputs_by_call.setdefault((layer_name, node), []).append((index, shape))

    fields: dict[str, ReceptiveField | None] = {}
    stats = []
    for entry in layer_configs:
        name = entry["name"]
        layer = layers_by_name.get(name)
        calls = calls_by_layer[name]
        outputs = _outputs_of(name, node=0, outputs_by_call=outputs_by_call)
        if entry["class_name"] == "InputLayer" or not calls:
            shape = _shape(entry["config"].get("batch_shape") or outputs[0])
            stats.append(_input_stats(name, entry["class_name"], shape))
            fields[name] = stats[-1].receptive_field
            continue
        first = calls[0]
        input_shapes = tuple(shape for _, shape in first.inputs)
        inbound = tuple(dict.fromkeys(key[0] for call in calls for key, _ in call.inputs))
        macs = (
            sum(
                _macs(layer, [s for _, s in call.inputs], _outputs_of(name, node, outputs_by_call))
                for node, call in enumerate(calls)
            )
            if layer is not None
            else 0
        )
        field_ = _receptive_field(
            layer,
            [fields.get(key[0]) for key, _ in first.inputs],
            input_shapes,
            outputs,
        )
        fields[name] = field_
        trainable, non_trainable = _param_counts(layer)
        stats.append(
            LayerStats(
                name=name,
                type=entry["class_name"],
                block=block_of(name),
                inbound=inbound,
                input_shapes=input_shapes,
                output_shapes=outputs,
                trainable_params=trainable,
                non_trainable_params=non_trainable,
                formula=_formula(layer, input_shapes, trainable, non_trainable),
                macs=macs,
                receptive_field=field_,
                calls=len(calls),
            )
        )
    return ModelStats(
        name=model.name,
        input_shapes=tuple(_shape(t.shape) for t in model.inputs),
        output_shapes=tuple(_shape(t.shape) for t in model.outputs),
        layers=tuple(stats),
    )


def _input_stats(name: str, class_name: str, shape: Shape) -> LayerStats:
    spatial_axes = len(shape) - 2
    # One pixel sees itself; an input without spatial axes (vectors) has no receptive field.
    field_ = ReceptiveField((1,) * spatial_axes, (1,) * spatial_axes) if spatial_axes else None
    return LayerStats(
        name=name,
        type=class_name,
        block=block_of(name),
        inbound=(),
        input_shapes=(),
        output_shapes=(shape,),
        trainable_params=0,
        non_trainable_params=0,
        formula="",
        macs=0,
        receptive_field=field_,
    )


def _shape(shape: Iterable[int | None]) -> Shape:
    return tuple(None if n is None else int(n) for n in shape)


def _keras_tensors(data: Any) -> Iterator[dict[str, Any]]:
    """The serialised KerasTensors in a node's args/kwargs, in order, at any nesting."""
    if isinstance(data, dict):
        if data.get("class_name") == "__keras_tensor__":
            yield data["config"]
        else:
            for value in data.values():
                yield from _keras_tensors(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from _keras_tensors(value)


def _calls(entry: dict[str, Any]) -> Iterator[_Call]:
    for node in entry.get("inbound_nodes", []):
        if isinstance(node, list):  # legacy format: [[layer, node, tensor, kwargs], ...]
            raise ValueError(_("layer statistics need a Keras 3 model config"))
        tensors = list(_keras_tensors([node.get("args", []), node.get("kwargs", {})]))
        yield _Call(
            [
                (
                    (t["keras_history"][0], int(t["keras_history"][1]), int(t["keras_history"][2])),
                    _shape(t["shape"]),
                )
                for t in tensors
            ]
        )


def _output_keys(config: dict[str, Any]) -> list[tuple[str, int, int]]:
    outputs = config["output_layers"]
    # A single output may be serialised unwrapped: ["predictions", 0, 0].
    if outputs and isinstance(outputs[0], str):
        outputs = [outputs]
    return [(name, int(node), int(index)) for name, node, index in outputs]


def _outputs_of(
    name: str, node: int, outputs_by_call: dict[tuple[str, int], list[tuple[int, Shape]]]
) -> tuple[Shape, ...]:
    return tuple(shape for _, shape in sorted(outputs_by_call.get((name, node), [])))


def _param_counts(layer: keras.layers.Layer | None) -> tuple[int, int]:
    if layer is None:
        return 0, 0
    trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
    non_trainable = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
    return int(trainable), int(non_trainable)


def _spatial(shape: Shape, data_format: str) -> Shape:
    return shape[2:] if data_format == "channels_first" else shape[1:-1]


def _channels(shape: Shape, data_format: str) -> int:
    value = shape[1] if data_format == "channels_first" else shape[-1]
    if value is None:
        raise ValueError(_("layer statistics need a known number of channels"))
    return value


def _fixed_product(dims: Iterable[int | None], layer_name: str) -> int:
    dims = tuple(dims)
    if any(d is None for d in dims):
        raise ValueError(
            _(
                "layer statistics need a fixed input size: {layer_name!r} sees spatial "
                "size {axes_text}"
            ).format(layer_name=layer_name, axes_text=_axes_text(dims))
        )
    return math.prod(dims)  # type: ignore[arg-type]


def _macs(layer: keras.layers.Layer, input_shapes: list[Shape], output_shapes: tuple[Shape]) -> int:
    """Multiply-accumulates of one call of `layer` on one image."""
    if isinstance(layer, keras.Model):
        return compute_model_stats(layer).macs
    if not isinstance(
        layer, _CONVOLUTIONS + _TRANSPOSED + _DEPTHWISE + _SEPARABLE + (keras.layers.Dense,)
    ):
        return 0
    config = layer.get_config()
    data_format = config.get("data_format") or "channels_last"
    in_shape, out_shape = input_shapes[0], output_shapes[0]
    if isinstance(layer, keras.layers.Dense):
        positions = _fixed_product(in_shape[1:-1], layer.name)
        return positions * _channels(in_shape, "channels_last") * config["units"]
    kernel = math.prod(config["kernel_size"])
    in_channels = _channels(in_shape, data_format)
    if isinstance(layer, _TRANSPOSED):
        # Each input position scatters a full kernel into the output.
        positions = _fixed_product(_spatial(in_shape, data_format), layer.name)
        return positions * kernel * in_channels * config["filters"]
    positions = _fixed_product(_spatial(out_shape, data_format), layer.name)
    if isinstance(layer, _DEPTHWISE):
        return positions * kernel * in_channels * config["depth_multiplier"]
    if isinstance(layer, _SEPARABLE):
        depthwise_channels = in_channels * config["depth_multiplier"]
        return positions * depthwise_channels * (kernel + config["filters"])
    groups = config.get("groups", 1)
    return positions * kernel * (in_channels // groups) * config["filters"]


def _receptive_field(
    layer: keras.layers.Layer | None,
    inbound_fields: list[ReceptiveField | None],
    input_shapes: tuple[Shape, ...],
    output_shapes: tuple[Shape, ...],
) -> ReceptiveField | None:
    if not inbound_fields or any(f is None for f in inbound_fields):
        return None
    fields: list[ReceptiveField] = inbound_fields  # type: ignore[assignment]
    if len(fields) > 1:
        # A merge (Add, Concatenate, ...): the widest view of any branch.
        if len({len(f.size) for f in fields}) != 1:
            return None
        return ReceptiveField(
            tuple(max(sizes) for sizes in zip(*(f.size for f in fields), strict=True)),
            tuple(max(jumps) for jumps in zip(*(f.jump for f in fields), strict=True)),
        )
    inbound = fields[0]
    window_key = next((key for kind, key in _WINDOWED.items() if isinstance(layer, kind)), None)
    if window_key is not None:
        config = layer.get_config()
        window = _per_axis(config[window_key], len(inbound.size))
        strides = _per_axis(config.get("strides") or window, len(inbound.size))
        dilation = _per_axis(config.get("dilation_rate", 1), len(inbound.size))
        return ReceptiveField(
            tuple(
                r + (d * (k - 1)) * j
                for r, k, d, j in zip(inbound.size, window, dilation, inbound.jump, strict=True)
            ),
            tuple(j * s for j, s in zip(inbound.jump, strides, strict=True)),
        )
    if isinstance(layer, _PADDING):
        return inbound
    if isinstance(layer, keras.Model):
        # A nested model: compose its own field (relative to its input) with the inbound one.
        inner = compute_model_stats(layer).layers[-1].receptive_field
        if inner is None or len(inner.size) != len(inbound.size):
            return None
        return ReceptiveField(
            tuple(
                r + (k - 1) * j
                for r, k, j in zip(inbound.size, inner.size, inbound.jump, strict=True)
            ),
            tuple(j * k for j, k in zip(inbound.jump, inner.jump, strict=True)),
        )
    # Anything else that keeps rank and spatial size acts position by position (normalisation,
    # activation, dropout, a 1x1 dense): the field is unchanged. Otherwise (Flatten, global
    # pooling, resizing, reshapes) it is undefined.
    in_shape, out_shape = input_shapes[0], output_shapes[0]
    if len(in_shape) == len(out_shape) == len(inbound.size) + 2 and (
        _spatial(in_shape, "channels_last") == _spatial(out_shape, "channels_last")
    ):
        return inbound
    return None


def _per_axis(value: int | Iterable[int], rank: int) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * rank
    return tuple(int(v) for v in value)


def _axes_text(values: Iterable[int | None]) -> str:
    values = tuple(values)
    if len(set(values)) == 1 and len(values) > 1:
        return str(values[0])
    return "x".join("?" if v is None else str(v) for v in values)


def _formula(
    layer: keras.layers.Layer | None,
    input_shapes: tuple[Shape, ...],
    trainable: int,
    non_trainable: int,
) -> str:
    """The arithmetic behind a layer's parameter count, e.g. '400*120 + 120 = 48,120'."""
    total = trainable + non_trainable
    if layer is None or total == 0:
        return ""
    if isinstance(layer, keras.Model):
        text = format_int(total)
    elif (
        isinstance(layer, _NORMALIZATION)
        and all(len(w.shape) == 1 for w in layer.weights)
        and (len({w.shape[0] for w in layer.weights}) == 1)
    ):
        # gamma, beta (and BatchNorm's moving mean and variance): one value each per channel.
        text = f"{len(layer.weights)}*{layer.weights[0].shape[0]} = {format_int(total)}"
    else:
        terms = ["*".join(str(n) for n in w.shape) for w in layer.weights]
        groups = layer.get_config().get("groups", 1) if isinstance(layer, _CONVOLUTIONS) else 1
        if groups > 1 and input_shapes:
            # Kernel (k, k, in/groups, out): show the grouping, as in '3*3*(64/32)*128'.
            data_format = layer.get_config().get("data_format") or "channels_last"
            in_channels = _channels(input_shapes[0], data_format)
            kernel = [str(n) for n in layer.weights[0].shape]
            kernel[-2] = f"({in_channels}/{groups})"
            terms[0] = "*".join(kernel)
        expression = " + ".join(terms)
        text = (
            format_int(total) if expression == str(total) else f"{expression} = {format_int(total)}"
        )
    if trainable != total:
        text += f" ({format_int(trainable)} trainable)"
    return text
