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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import keras

Builder = Callable[..., keras.Model]

_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Option:
    """One option a builder accepts: its type, default and allowed values.

    The GUI builds its option form from these and the CLI parses `key=value` with them, so a
    model only ever offers what it supports.
    """

    name: str
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # The maximum itself is excluded (dropout = 1.0 would drop everything).
    maximum_exclusive: bool = False

    @property
    def kind(self) -> type:
        return type(self.default)

    def with_default(self, default: Any) -> Option:
        """The same option with another default (LeNet-5 defaults to tanh, AlexNet to relu)."""
        return Option(
            self.name,
            default,
            self.help,
            self.choices,
            self.minimum,
            self.maximum,
            self.maximum_exclusive,
        )

    def parse(self, value: Any, *, model: str) -> Any:
        """Coerce `value` (typed, or a string from the CLI or a form) and validate it."""
        where = f"{model}: option {self.name!r}"
        kind = self.kind
        if isinstance(value, str) and kind is not str:
            text = value.strip().lower()
            try:
                if kind is bool:
                    if text not in _TRUE_WORDS | _FALSE_WORDS:
                        raise ValueError(text)
                    value = text in _TRUE_WORDS
                else:
                    value = kind(text)
            except ValueError:
                raise ValueError(f"{where} expects {kind.__name__}; received {value!r}") from None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"{where} expects {kind.__name__}; received {value!r}")
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise ValueError(f"{where} must be one of {allowed}; received {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{where} must be at least {self.minimum}; received {value!r}")
        if self.maximum is not None:
            too_big = value >= self.maximum if self.maximum_exclusive else value > self.maximum
            if too_big:
                bound = "below" if self.maximum_exclusive else "at most"
                raise ValueError(f"{where} must be {bound} {self.maximum}; received {value!r}")
        return value


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
class ModelInfo:
    """What the app, the CLI and the tests know about a model without building it."""

    name: str
    display_name: str
    family: str
    year: int
    paper: str
    canonical_input: tuple[int, int, int]
    # Smallest height/width the model accepts with its best-suited stem.
    min_input: int
    description: str
    builder: Builder = field(repr=False, compare=False)
    options: tuple[Option, ...] = ()
    default_classes: int = 1000
    aliases: tuple[str, ...] = ()

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)

    @property
    def defaults(self) -> dict[str, Any]:
        return {option.name: option.default for option in self.options}

    def resolve_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """Validate `options` against this model's table; return all of them, defaults filled."""
        known = {option.name: option for option in self.options}
        unknown = sorted(set(options) - set(known))
        if unknown:
            offered = ", ".join(known) or "none"
            raise ValueError(
                f"{self.display_name} has no option {unknown[0]!r}; its options are: {offered}"
            )
        resolved = self.defaults
        for key, value in options.items():
            resolved[key] = known[key].parse(value, model=self.display_name)
        return resolved


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


def parse_input_shape(value: str | Iterable[int]) -> tuple[int, int, int]:
    """`"32x32x1"`, `"224x224"` (3 channels) or `(32, 32, 1)` -> `(32, 32, 1)`."""
    if isinstance(value, str):
        parts = value.lower().replace(" ", "").split("x")
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            raise ValueError(
                "input shape must look like 32x32x1 (height x width x channels); "
                f"received {value!r}"
            ) from None
        if len(numbers) == 2:
            numbers.append(3)
    else:
        numbers = list(value)
    if len(numbers) != 3 or not all(isinstance(n, int) and n > 0 for n in numbers):
        raise ValueError(
            f"input shape must be three positive integers (height, width, channels); "
            f"received {value!r}"
        )
    return tuple(numbers)  # type: ignore[return-value]


def format_shape(shape: Iterable[int]) -> str:
    return "x".join(str(n) for n in shape)


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
