"""What is wrong with a training config, as data: `Problem(field, code, values)`.

`TrainingConfig.check()` returns a list of problems and changes nothing; the CLI and the
training form turn them into sentences with `describe()`, the one message table, in the
person's language; the form marks `problem.field` without reading the sentence. A session or a
command that is given a config with problems raises `ConfigError`, a ValueError carrying them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnnstudio.i18n import _


@dataclass(frozen=True)
class Problem:
    field: str  # the config field, e.g. "epochs", "model_options"
    code: str  # what is wrong, e.g. "not_positive_int", "too_large", "not_choice"
    values: dict[str, Any] = field(default_factory=dict)  # received, bounds, choices, detail


class ConfigError(ValueError):
    """A config with problems; `str()` says the first, `problems` holds them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(describe(self.problems[0]) if self.problems else "invalid config")


def _where(values: dict[str, Any]) -> str:
    low, high = values.get("low"), values.get("high")
    low_open, high_open = values.get("low_open", False), values.get("high_open", False)
    if high is not None:
        left, right = ("(" if low_open else "["), (")" if high_open else "]")
        return _("in {left}{low:g}, {high:g}{right}").format(
            left=left, low=low, high=high, right=right
        )
    if low_open:
        return _("above {low:g}").format(low=low)
    return _("at least {low:g}").format(low=low)


def describe(problem: Problem) -> str:
    """The problem as one sentence that names the field and the value received."""
    values = {"field": problem.field, "received": None, **problem.values}
    code = problem.code
    if code == "not_positive_int":
        text = _("{field} must be a positive integer; received {received!r}")
    elif code == "not_non_negative_int":
        text = _("{field} must be an integer of at least 0; received {received!r}")
    elif code == "too_large":
        text = _("{field} must be at most {high:,}; received {received!r}")
    elif code == "not_choice":
        values["choices"] = ", ".join(values.get("choices", ()))
        text = _("{field} must be one of {choices}; received {received!r}")
    elif code == "not_number_in":
        values["where"] = _where(problem.values)
        text = _("{field} must be a number {where}; received {received!r}")
    elif code == "not_bool":
        text = _("{field} must be true or false; received {received!r}")
    elif code == "not_device":
        text = _("device must be 'auto', 'cpu' or 'gpu:N'; received {received!r}")
    elif code == "one_device_strategy":
        text = _(
            "strategy 'none' trains on one device; device {received!r} names several "
            "(use strategy 'mirrored' or 'auto')"
        )
    elif code == "not_model_name":
        text = _("model must be a model name such as 'lenet5'; received {received!r}")
    elif code == "not_options":
        text = _("model_options must be a mapping of option names to values; received {received!r}")
    elif code == "not_dataset_name":
        text = _("dataset must be a data set name such as 'mnist-5k'; received {received!r}")
    else:  # a lower layer's own sentence: an unknown model, option or data set, a device
        text = "{detail}"
    return text.format(**values)
