"""GUI tests: preferences go to a temporary folder, never the user's (autouse)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """QSettings (INI, user scope: see cnnstudio.gui.shell.settings) in a fresh folder per test;
    child processes get it through XDG_CONFIG_HOME."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder
