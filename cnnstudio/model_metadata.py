"""What is known about a model without building it: its metadata and option table, as plain data.

The one declaration of these facts' shape, shared by the two layers that need them: the model
registry (`cnnstudio.models.registry`) attaches a builder to each `ModelMeta`, and the engine's
catalog (`cnnstudio.engine.anatomy.catalog`) writes and reads them as JSON, so the app's model
picker
lists the models and offers their options without importing Keras and TensorFlow (seconds).
This module therefore imports neither, nor `cnnstudio.models`, whose import registers (and so
builds the code of) every family.

Input shapes are written `HxWxC` (`parse_input_shape` reads, `format_shape` writes them), in the
registry's messages, the CLI and the app alike.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The largest input a model is built for (summaries, graphs): 8x the largest canonical input
# (Inception v3's 299) leaves every real use open and keeps a build within a laptop's memory.
MAX_INPUT_SIDE = 4096
MAX_INPUT_CHANNELS = 4
_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off"}


def parse_input_shape(value: str | Iterable[int]) -> tuple[int, int, int]:
    """`"32x32x1"` or `(32, 32, 1)` -> `(32, 32, 1)`.

    The channels are required: `"32x32"` is refused with both readings spelled out, because
    grayscale and colour give different models (first-layer parameters, MACs) and a silent
    guess would describe a model the person did not ask for.
    """
    if isinstance(value, str):
        parts = value.lower().replace(" ", "").split("x")
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            raise ValueError(
                "input shape must look like 32x32x1 (height x width x channels); "
                f"received {value!r}"
            ) from None
        if any(number <= 0 for number in numbers):
            raise ValueError(
                f"input shape must be positive integers (height x width x channels, e.g. "
                f"32x32x1); received {value!r}"
            )
        if len(numbers) == 2:
            height, width = numbers
            raise ValueError(
                f"input shape {value!r} has no channels: give "
                f"{height}x{width}x1 (grayscale) or {height}x{width}x3 (colour)"
            )
    else:
        numbers = list(value)
    if len(numbers) != 3 or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers
    ):
        raise ValueError(
            f"input shape must be three positive integers (height, width, channels); "
            f"received {value!r}"
        )
    height, width, channels = numbers
    if max(height, width) > MAX_INPUT_SIDE or channels > MAX_INPUT_CHANNELS:
        # Checked before anything is built: 100000x100000x3 would exhaust any machine.
        raise ValueError(
            f"input shape {height}x{width}x{channels} is too large: at most "
            f"{MAX_INPUT_SIDE} pixels a side and {MAX_INPUT_CHANNELS} channels"
        )
    return tuple(numbers)  # type: ignore[return-value]


def choose_input_shape(min_input: int, image_shape: Iterable[int]) -> tuple[int, int, int]:
    """The model input for a data set: its images, grown to the model's smallest input. The one
    rule, for training (recipe), the picker and the shipped statistics alike.

    LeNet-5 (min 32) on 28 x 28 x 1 MNIST gets 32 x 32 x 1, as in the paper; the pipeline pads.
    """
    height, width, channels = image_shape
    return (max(height, min_input), max(width, min_input), channels)


def format_shape(shape: Iterable[int]) -> str:
    """`(32, 32, 1)` -> `"32x32x1"`."""
    return "x".join(str(n) for n in shape)


@dataclass(frozen=True)
class OptionMeta:
    """One option a builder accepts: its default (whose type is the option's), allowed values
    and help. The GUI builds its option form from these and the CLI parses `key=value` with
    them, so a model only ever offers what it supports."""

    name: str
    default: Any
    help: str
    choices: tuple[Any, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    # The maximum itself is excluded (dropout = 1.0 would drop everything).
    maximum_exclusive: bool = False

    @property
    def kind(self) -> str:
        """ "str", "int", "float" or "bool": the type of the default, by name."""
        return type(self.default).__name__

    def with_default(self, default: Any) -> OptionMeta:
        """The same option with another default (LeNet-5 defaults to tanh, AlexNet to relu)."""
        return dataclasses.replace(self, default=default)

    def parse(self, value: Any, *, model: str) -> Any:
        """Coerce `value` (typed, or a string from the CLI or a form) and validate it."""
        where = f"{model}: option {self.name!r}"
        kind = type(self.default)
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
        if kind is float and not math.isfinite(value):
            # NaN passes every comparison below and would reach run.json and the model.
            raise ValueError(f"{where} must be a finite number; received {value!r}")
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

    def metadata(self) -> OptionMeta:
        """This option as plain `OptionMeta` (from a subclass such as the registry's `Option`)."""
        return OptionMeta(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "kind": self.kind}
        data.update({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        data["choices"] = None if self.choices is None else list(self.choices)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptionMeta:
        choices = data.get("choices")
        return cls(
            name=data["name"],
            default=data["default"],
            help=data["help"],
            choices=None if choices is None else tuple(choices),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            maximum_exclusive=bool(data.get("maximum_exclusive", False)),
        )


@dataclass(frozen=True)
class ModelCard:
    """What a network introduced and why it mattered, for students. The texts are catalog
    message ids, marked with `N_` where a family declares them; a view or the CLI translates
    each with `_()` when it shows it. `worked_example` is arithmetic a student can check by
    hand (shown in a fixed-width font, not translated line by line: it is mostly numbers)."""

    headline: str
    introduced: tuple[str, ...]
    why_it_mattered: str
    worked_example: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "introduced": list(self.introduced),
            "why_it_mattered": self.why_it_mattered,
            "worked_example": list(self.worked_example),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        return cls(
            headline=str(data["headline"]),
            introduced=tuple(str(text) for text in data["introduced"]),
            why_it_mattered=str(data["why_it_mattered"]),
            worked_example=tuple(str(line) for line in data.get("worked_example", ())),
        )


@dataclass(frozen=True)
class BlockPattern:
    """How a family names its blocks, for the layer graph: a regular expression over layer
    names whose first group is the block (`conv3_block2_1_conv` -> `conv3_block2`), what such
    a block is (`role`, e.g. "residual block"), and, for a block that holds such units as a
    stage does (`conv3` holds `conv3_block1`), what the holder is (`holder_role`)."""

    pattern: str
    role: str
    holder_role: str = ""
    example: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockPattern:
        return cls(
            pattern=str(data["pattern"]),
            role=str(data["role"]),
            holder_role=str(data.get("holder_role", "")),
            example=str(data.get("example", "")),
        )


@dataclass(frozen=True)
class ModelMeta:
    """What the app, the CLI and the tests know about a model without building it."""

    name: str
    display_name: str
    family: str
    year: int
    paper: str
    description: str
    canonical_input: tuple[int, int, int]
    # Smallest height/width the model accepts with its best-suited stem.
    min_input: int
    default_classes: int = 1000
    aliases: tuple[str, ...] = ()
    options: tuple[OptionMeta, ...] = ()
    # What the family knows about itself, declared with it (cnnstudio/models/<family>.py).
    card: ModelCard | None = None
    blocks: tuple[BlockPattern, ...] = ()

    def option(self, name: str) -> OptionMeta:
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

    def metadata(self) -> ModelMeta:
        """This model as plain `ModelMeta` (from a subclass such as the registry's `ModelInfo`,
        whose builder it leaves out)."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(ModelMeta)}
        values["options"] = tuple(option.metadata() for option in self.options)
        return ModelMeta(**values)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(ModelMeta)}
        data["canonical_input"] = list(self.canonical_input)
        data["aliases"] = list(self.aliases)
        data["options"] = [option.to_dict() for option in self.options]
        data["card"] = None if self.card is None else self.card.to_dict()
        data["blocks"] = [block.to_dict() for block in self.blocks]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelMeta:
        return cls(
            name=data["name"],
            display_name=data["display_name"],
            family=data["family"],
            year=int(data["year"]),
            paper=data["paper"],
            description=data["description"],
            canonical_input=tuple(data["canonical_input"]),  # type: ignore[arg-type]
            min_input=int(data["min_input"]),
            default_classes=int(data["default_classes"]),
            aliases=tuple(data.get("aliases", ())),
            options=tuple(OptionMeta.from_dict(option) for option in data.get("options", ())),
            card=ModelCard.from_dict(data["card"]) if data.get("card") else None,
            blocks=tuple(BlockPattern.from_dict(block) for block in data.get("blocks", ())),
        )
