"""The window the course's tests share: built without settings unless a test says otherwise."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext(), use_settings=False)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
