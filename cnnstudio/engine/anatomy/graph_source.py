"""Where the graph view's statistics come from, fast: zoo models built without weights, and
trained models (a run or a `.keras` file, opened in safe mode) with their learned weights.

Statistics need only a model's structure. Built without weight buffers
(`cnnstudio.models.structure`: `keras.StatelessScope(initialize_variables=False)` plus cutting
Keras's list of pending variables), ResNet-152 at 224x224x3 builds in well under a second with
exact parameter counts and next to no memory, where a real VGG-19 build adds 1.4 GB. The
canonical and data-set configurations need no build at all (engine/anatomy/stats_store.py).

Keras is imported inside the functions: importing this module stays cheap on a GUI thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.i18n import _

if TYPE_CHECKING:
    import keras

    from cnnstudio.engine.anatomy.layer_stats import ModelStats

_CACHE_SIZE = 16

_cache: OrderedDict[tuple, ModelStats] = OrderedDict()
_cache_lock = threading.Lock()


@contextlib.contextmanager
def without_weights() -> Iterator[None]:
    """Layers and models built inside get shapes but no weight buffers, now or later."""
    from cnnstudio.models.structure import without_weights as structure_only

    with structure_only():
        yield


def shape_only(
    name: str, input_shape: Any = None, num_classes: int | None = None, **options: Any
) -> keras.Model:
    """`create_model(...)` without weight buffers: for shapes, names and counts only."""
    from cnnstudio.models.structure import shape_only as build

    return build(name, input_shape, num_classes, **options)


def zoo_stats(
    name: str,
    input_shape: tuple[int, int, int] | str | None = None,
    num_classes: int | None = 10,
    options: Mapping[str, Any] | None = None,
) -> ModelStats:
    """Statistics of a zoo model as `create_model` would build it (None: the registry's
    canonical input or default classes), answered from the first of: this process's memo
    (small LRU), the shipped canonical statistics, the local cache
    (engine/anatomy/stats_store.py), or
    a build without weights, which is then kept in both.

    Raises ValueError with `create_model`'s message for a bad name, shape or option.
    """
    from cnnstudio.engine.anatomy import stats_store

    key = stats_key(name, input_shape, num_classes, options)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    stats = stats_store.shipped_stats(key) or stats_store.cached_stats(key)
    if stats is None:
        stats = compute_zoo_stats(key)
        stats_store.store_stats(key, stats)
    with _cache_lock:
        _cache[key] = stats
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return stats


def stats_key(
    name: str,
    input_shape: tuple[int, int, int] | str | None = None,
    num_classes: int | None = 10,
    options: Mapping[str, Any] | None = None,
) -> tuple:
    """The configuration, normalised: (registry name, input shape, classes, every option with
    its default filled in, sorted). Names and options are validated here; shapes and classes by
    `create_model` when the configuration is built (no store holds an invalid one)."""
    from cnnstudio.model_metadata import parse_input_shape
    from cnnstudio.models import get_model_info

    info = get_model_info(name)
    shape = info.canonical_input if input_shape is None else parse_input_shape(input_shape)
    classes = info.default_classes if num_classes is None else num_classes
    resolved = info.resolve_options(dict(options or {}))
    return (info.name, tuple(shape), classes, tuple(sorted(resolved.items())))


def canonical_key(name: str) -> tuple:
    """A model's configuration at its canonical input, default classes and options."""
    return stats_key(name, None, None)


def compute_zoo_stats(key: tuple) -> ModelStats:
    """Build the configuration `key` (from `stats_key`) without weights and describe it."""
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats
    from cnnstudio.engine.training.seeding import isolated_build

    name, shape, classes, options = key
    # Keras draws initializer seeds from Python's global random even here: a build for figures
    # must not shift a seeded training run's initial weights.
    model = isolated_build(lambda: shape_only(name, shape, classes, **dict(options)))
    return compute_model_stats(model)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- trained models ---------------------------------------------------------------------------


def trained_model(source: str | Path) -> keras.Model:
    """A trained model: a `.keras` file, a run folder, or a run named as `cnnstudio runs` shows
    it (id, start of id, name, `latest`). Files open in safe mode (engine/store/modelfile.py).

    Raises ValueError (ModelFileError is one) with a message a person can act on.
    """
    from cnnstudio.engine.store.modelfile import load_model_file
    from cnnstudio.engine.store.trained import resolve_trained

    return load_model_file(resolve_trained(source).path)


@dataclass(frozen=True)
class TensorStats:
    """One weight tensor of a layer, summarised."""

    name: str  # "kernel", "bias", "gamma", "moving_mean", ...
    shape: tuple[int, ...]
    min: float
    max: float
    mean: float
    std: float
    zero_fraction: float  # share of entries exactly 0 (pruned or dead weights)


def _layer(model: keras.Model, layer_name: str):
    try:
        return model.get_layer(layer_name)
    except ValueError:
        raise ValueError(
            _("the model {name!r} has no layer {layer_name!r}").format(
                name=model.name, layer_name=layer_name
            )
        ) from None


def weight_statistics(model: keras.Model, layer_name: str) -> list[TensorStats]:
    """Min, max, mean, std and share of zeros of each weight tensor of `layer_name`, in the
    layer's order; [] for a layer without weights."""
    import keras

    result = []
    for variable in _layer(model, layer_name).weights:
        values = np.asarray(keras.ops.convert_to_numpy(variable), dtype=np.float64)
        empty = values.size == 0
        result.append(
            TensorStats(
                name=variable.name,
                shape=tuple(int(n) for n in values.shape),
                min=0.0 if empty else float(values.min()),
                max=0.0 if empty else float(values.max()),
                mean=0.0 if empty else float(values.mean()),
                std=0.0 if empty else float(values.std()),
                zero_fraction=0.0 if empty else float(np.count_nonzero(values == 0) / values.size),
            )
        )
    return result


def conv_filters(model: keras.Model, layer_name: str, limit: int = 64) -> np.ndarray | None:
    """The learned filters of a 2-D convolution as small images: (n, kh, kw) float32 in [0, 1],
    at most `limit` of them. A filter over one input channel shows that channel; over several,
    their mean. Each filter is scaled to its own range (a constant one is 0.5 throughout).
    None for a layer that is not a 2-D convolution."""
    import keras

    layer = _layer(model, layer_name)
    if not isinstance(layer, keras.layers.Conv2D | keras.layers.DepthwiseConv2D):
        return None
    kernel_variable = getattr(layer, "kernel", None)
    if kernel_variable is None:
        return None
    kernel = np.asarray(keras.ops.convert_to_numpy(kernel_variable), dtype=np.float32)
    if kernel.ndim != 4:
        return None
    # Conv2D: (kh, kw, in, out); DepthwiseConv2D: (kh, kw, in, multiplier).
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        images = kernel.reshape(kernel.shape[0], kernel.shape[1], -1)
    else:
        images = kernel.mean(axis=2)
    images = np.moveaxis(images, -1, 0)[: max(0, int(limit))]
    low = images.min(axis=(1, 2), keepdims=True)
    span = images.max(axis=(1, 2), keepdims=True) - low
    scaled = np.where(span > 0, (images - low) / np.where(span > 0, span, 1), 0.5)
    return scaled.astype(np.float32)
