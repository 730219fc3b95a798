"""A bug in the desktop app: its traceback goes to a log file and a dialog says where; the app
goes on, and an error that repeats does not pile up dialogs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cnnstudio.gui.shell import error_report


@pytest.fixture
def reporter(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    installed = error_report.install(parent)
    yield installed
    error_report.uninstall(installed)
    for box in parent.findChildren(QMessageBox):
        box.close()


def _raise_into_hook(message: str) -> None:
    try:
        raise RuntimeError(message)
    except RuntimeError:
        sys.excepthook(*sys.exc_info())


def _dialogs(reporter) -> list[QMessageBox]:
    return reporter.parent.findChildren(QMessageBox, "unexpectedErrorDialog")


def test_an_unexpected_error_is_logged_and_shown(reporter, qtbot, cnnstudio_home, capsys):
    assert sys.excepthook is reporter
    _raise_into_hook("a slot went wrong")
    qtbot.waitUntil(lambda: reporter.dialogs == 1)
    logs = list((Path(cnnstudio_home) / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and "RuntimeError: a slot went wrong" in logs[0].read_text()
    (box,) = _dialogs(reporter)
    assert "RuntimeError: a slot went wrong" in box.text() and str(logs[0]) in box.text()
    assert "Traceback" in capsys.readouterr().err  # a terminal still sees it


def test_a_repeating_error_is_logged_but_shown_once(reporter, qtbot, cnnstudio_home):
    _raise_into_hook("first")
    qtbot.waitUntil(lambda: reporter.dialogs == 1)
    _raise_into_hook("second")
    QApplication.processEvents()  # a second dialog would have been posted to the event loop
    assert reporter.dialogs == 1 and len(_dialogs(reporter)) == 1
    _dialogs(reporter)[0].done(0)
    _raise_into_hook("third, after the dialog closed")
    qtbot.waitUntil(lambda: reporter.dialogs == 2)


def test_uninstall_restores_the_previous_hook(qtbot):
    before = sys.excepthook
    installed = error_report.install(None)
    error_report.uninstall(installed)
    assert sys.excepthook is before
