"""GUI tests: preferences go to a temporary folder, never the user's, and no worker thread
outlives its test (both autouse)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """QSettings (INI, user scope: see cnnstudio.gui.ground.settings) in a fresh folder per test;
    child processes get it through XDG_CONFIG_HOME."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_worker_left():
    """Every GUI test ends its background work (DESIGN.md): a worker still running after it is a
    failure of that test, and is stopped here so that it cannot disturb the next one."""
    yield
    from cnnstudio.gui.workers import live_workers, stop_all

    left = [worker.objectName() for worker in live_workers()]
    stop_all()
    assert left == [], f"workers still running after the test: {left}"
