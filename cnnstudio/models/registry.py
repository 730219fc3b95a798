"""The model registry: every model in the zoo, its metadata and its options, as data.

A family module registers one short builder per variant::

    @register_model(
        name="resnet50", display_name="ResNet-50", family="ResNet", year=2015,
        paper=RESNET_PAPER, canonical_input=(224, 224, 3), min_input=8,
        description="...", options=(ACTIVATION, NORMALIZATION, STEM, DROPOUT),
    )
    def resnet50(input_shape, num_classes, **options):
        return resnet(BOTTLENECK_DEPTHS[50], input_shape, num_classes, **options)

`create_model` validates everything first (name, input shape, classes, options) and raises a
`ValueError` that names what it received; only then does it call the builder, which receives
fully-validated, typed options with defaults filled in.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import keras

from cnnstudio.model_metadata import (
    BlockPattern,
    ModelCard,
    ModelMeta,
    OptionMeta,
    format_shape,
    parse_input_shape,
)

Builder = Callable[..., keras.Model]


class Option(OptionMeta):
    """An option as the builders declare it (`cnnstudio.model_metadata.OptionMeta`), with its
    kind as the type itself (`option.kind is float`) rather than the type's name."""

    @property
    def kind(self) -> type:  # type: ignore[override]
        return type(self.default)


# Options shared by many families. A family picks the ones it supports, possibly with another
# default (`ACTIVATION.with_default("tanh")`).
ACTIVATION = Option(
    "activation",
    "relu",
    "Non-linearity after each convolution and hidden dense layer.",
    choices=("relu", "tanh", "sigmoid"),
)
POOLING = Option(
    "pooling",
    "max",
    "Spatial pooling: max (modern) or average (LeNet-5's subsampling).",
    choices=("max", "avg"),
)
NORMALIZATION = Option(
    "normalization",
    "batch",
    "Normalisation after each convolution: BatchNorm, LayerNorm, InstanceNorm, GroupNorm or none.",
    choices=("batch", "layer", "instance", "group", "none"),
)
DROPOUT = Option(
    "dropout",
    0.0,
    "Dropout rate before the classifier (0 disables it).",
    minimum=0.0,
    maximum=1.0,
    maximum_exclusive=True,
)
STEM = Option(
    "stem",
    "auto",
    "Input stem: 'imagenet' (the paper's), 'small' (for 28-64 px images, as the CIFAR "
    "variants of the papers do) or 'auto' (chosen from the input size).",
    choices=("auto", "imagenet", "small"),
)


@dataclass(frozen=True)
class ModelInfo(ModelMeta):
    """A model's metadata (`cnnstudio.model_metadata.ModelMeta`) and the builder that makes it."""

    builder: Builder | None = field(default=None, repr=False, compare=False)


_REGISTRY: dict[str, ModelInfo] = {}
_ALIASES: dict[str, str] = {}


def register_model(
    *,
    name: str,
    display_name: str,
    family: str,
    year: int,
    paper: str,
    canonical_input: tuple[int, int, int],
    min_input: int,
    description: str,
    options: Iterable[Option] = (),
    default_classes: int = 1000,
    aliases: Iterable[str] = (),
    card: ModelCard | None = None,
    blocks: Iterable[BlockPattern] = (),
) -> Callable[[Builder], Builder]:
    """Decorator: register `builder(input_shape, num_classes, **options) -> keras.Model`."""

    def decorate(builder: Builder) -> Builder:
        if name in _REGISTRY or name in _ALIASES:
            raise RuntimeError(f"model {name!r} is registered twice")
        info = ModelInfo(
            name=name,
            display_name=display_name,
            family=family,
            year=year,
            paper=paper,
            canonical_input=tuple(canonical_input),
            min_input=min_input,
            description=description,
            builder=builder,
            options=tuple(options),
            default_classes=default_classes,
            aliases=tuple(aliases),
            card=card,
            blocks=tuple(blocks),
        )
        _REGISTRY[name] = info
        for alias in info.aliases:
            _ALIASES[alias] = name
        return builder

    return decorate


def _normalise_name(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def get_model_info(name: str) -> ModelInfo:
    """The registry entry for `name` (case, '-' and '_' do not matter; aliases work)."""
    key = _normalise_name(name)
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        candidates = list(_REGISTRY) + list(_ALIASES)
        close = difflib.get_close_matches(key, candidates, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown model {name!r}.{hint} Known models: {', '.join(_REGISTRY)}")
    return _REGISTRY[key]


def list_models(family: str | None = None) -> list[ModelInfo]:
    """Every registered model in registration order (oldest family first), or one family's."""
    infos = list(_REGISTRY.values())
    if family is not None:
        infos = [info for info in infos if info.family.lower() == family.lower()]
    return infos


def create_model(
    name: str,
    input_shape: str | Iterable[int] | None = None,
    num_classes: int | None = None,
    **options: Any,
) -> keras.Model:
    """Build an uncompiled `keras.Model` from the zoo, after validating every argument."""
    info = get_model_info(name)
    shape = info.canonical_input if input_shape is None else parse_input_shape(input_shape)
    if min(shape[0], shape[1]) < info.min_input:
        raise ValueError(
            f"{info.display_name} needs inputs of at least {info.min_input}x{info.min_input}; "
            f"received {format_shape(shape)}"
        )
    classes = info.default_classes if num_classes is None else num_classes
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(
            f"{info.display_name}: num_classes must be an integer of at least 2; "
            f"received {num_classes!r}"
        )
    resolved = info.resolve_options(options)
    return info.builder(input_shape=shape, num_classes=classes, **resolved)
