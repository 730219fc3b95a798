"""Where the app keeps its preferences: one QSettings in INI format.

INI on every platform (not the Windows registry) so the file is readable, portable, and a test
can redirect it with `QSettings.setPath(IniFormat, UserScope, tmp)` before anything reads it.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "CNN Studio"
APPLICATION = "CNN Studio"


def app_settings() -> QSettings:
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def read_json(settings: QSettings, key: str, default: Any) -> Any:
    """A JSON value (dicts of options survive INI's string-only storage this way)."""
    text = settings.value(key)
    if not isinstance(text, str):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_json(settings: QSettings, key: str, value: Any) -> None:
    settings.setValue(key, json.dumps(value))
