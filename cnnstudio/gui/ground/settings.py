"""Where the app keeps its preferences: one QSettings in INI format, every value read checked.

INI on every platform (not the Windows registry) so the file is readable, portable, and a test
can redirect it with `QSettings.setPath(IniFormat, UserScope, tmp)` before anything reads it.

The file is untrusted input: a person may edit it, another version may have written it, a crash
may have cut it. Every read goes through `read_setting` with a `Setting` that says the value's
type, range or choices and its default; a value that does not fit (NaN, 1e20, a list where a
number belongs, JSON that does not parse) is replaced by the default, written back so the file
is repaired, and noted once in the log. No value read here can stop the app from starting.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings

from cnnstudio.i18n import _

ORGANIZATION = "CNN Studio"
APPLICATION = "CNN Studio"
MAX_TEXT = 4096  # characters: longer text in a field of the form is not something we wrote

log = logging.getLogger(__name__)


def app_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


@dataclass(frozen=True)
class Setting:
    """What one preference may hold. `kind`: "text", "int", "float", "bool", "bytes" or
    "object" (a JSON object whose `fields` are checked one by one)."""

    key: str
    kind: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    fields: tuple[Setting, ...] = ()


def checked(value: Any, spec: Setting) -> tuple[bool, Any]:
    """(True, the value as `spec` wants it) or (False, spec's default)."""
    ok, result = _convert(value, spec)
    if ok and spec.choices is not None and result not in spec.choices:
        ok = False
    return (True, result) if ok else (False, spec.default)


def _convert(value: Any, spec: Setting) -> tuple[bool, Any]:
    kind = spec.kind
    if kind == "text":
        return isinstance(value, str) and len(value) <= MAX_TEXT, value
    if kind == "bool":
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return True, value.lower() == "true"  # how INI gives back a bool
        return False, None
    if kind in ("int", "float"):
        return _number(value, spec)
    if kind == "bytes":
        from PySide6.QtCore import QByteArray

        return isinstance(value, QByteArray), value
    if kind == "object":
        if not isinstance(value, dict):
            return False, None
        result = dict(value) if not spec.fields else {}
        for field in spec.fields:
            if field.key in value:
                ok, item = checked(value[field.key], field)
                if ok:
                    result[field.key] = item
        return True, result
    raise ValueError(f"unknown setting kind {kind!r}")


def _number(value: Any, spec: Setting) -> tuple[bool, Any]:
    if isinstance(value, bool):
        return False, None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return False, None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return False, None
    if spec.minimum is not None and value < spec.minimum:
        return False, None
    if spec.maximum is not None and value > spec.maximum:
        return False, None
    if spec.kind == "int":
        if value != int(value):
            return False, None
        return True, int(value)
    return True, float(value)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a value CNN Studio writes")


def read_setting(settings: QSettings, spec: Setting) -> Any:
    """The value of `spec.key`, checked; a value that does not fit is replaced by the default
    (written back, so the file is repaired) and noted in the log."""
    raw = settings.value(spec.key)
    if raw is None:
        return spec.default
    value: Any = raw
    if spec.kind == "object":
        try:
            value = json.loads(raw, parse_constant=_no_constants) if isinstance(raw, str) else None
        except (ValueError, RecursionError):
            value = None
    ok, result = checked(value, spec)
    if not ok:
        log.warning(_("settings: %s held %.80r; replaced by its default"), spec.key, raw)
        if spec.default is None:
            settings.remove(spec.key)
        elif spec.kind == "object":
            settings.setValue(spec.key, json.dumps(spec.default))
        else:
            settings.setValue(spec.key, spec.default)
    return result


def read_json(settings: QSettings, key: str, default: Any) -> Any:
    """A JSON object (dicts of options survive INI's string-only storage this way), checked to
    be an object; anything else gives `default`."""
    return read_setting(settings, Setting(key, "object", default))


def write_json(settings: QSettings, key: str, value: Any) -> None:
    settings.setValue(key, json.dumps(value, allow_nan=False))
