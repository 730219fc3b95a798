"""The desktop app's last resort for a bug: log the traceback to a file and say where, in a dialog.

PySide6 hands an exception raised in a slot or an event handler to `sys.excepthook` and goes on;
by default that prints a traceback to a terminal the person of a frozen app never sees, and the
app just seems to do nothing. `install(window)` replaces the hook: the traceback goes to a log
file (`cnnstudio.crash_log`), still to stderr for whoever runs it from a terminal, and a dialog
tells the person what happened and where the file is. The app keeps running. One dialog at a
time: an error that repeats (a paint handler) is logged, not shown again and again.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from cnnstudio.crash_log import describe, write_crash_log
from cnnstudio.i18n import _

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def error_text(error: BaseException, log: object | None) -> str:
    where = (
        _(
            "The details were saved to:\n{log}\n\nPlease attach that file when you report it."
        ).format(log=log)
        if log is not None
        else _("The details could not be saved to a log file; they were printed to the terminal.")
    )
    return _(
        "Something went wrong that CNN Studio did not expect:\n\n{error}\n\n"
        "CNN Studio keeps running; what was already saved on disk is kept.\n\n{where}"
    ).format(error=describe(error), where=where)


class ErrorReporter:
    """The installed hook; `dialogs` counts the dialogs shown (tests)."""

    def __init__(self, parent: QWidget | None, previous: Hook) -> None:
        self.parent = parent
        self.previous = previous
        self.dialogs = 0
        self.last_log = None
        self._showing = False

    def __call__(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self.previous(kind, error, tb)
            return
        self.last_log = write_crash_log(kind, error, tb)
        traceback.print_exception(kind, error, tb, file=sys.stderr)
        if self._showing:
            return
        self._showing = True
        # Shown from the event loop, not from inside the handler that raised (which may be a
        # paint event, where a modal dialog must not start).
        QTimer.singleShot(0, lambda: self._show(error))

    def _show(self, error: BaseException) -> None:
        try:
            box = QMessageBox(self.parent)
            box.setObjectName("unexpectedErrorDialog")
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle(_("CNN Studio: unexpected error"))
            box.setText(error_text(error, self.last_log))
            # The log's path, to copy into a file manager or a bug report.
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.setModal(True)
            box.finished.connect(lambda _result: setattr(self, "_showing", False))
            self.dialogs += 1
            box.open()
        except Exception:  # the dialog itself failed: the log and stderr have it already
            self._showing = False


def install(parent: QWidget | None) -> ErrorReporter:
    """Make `sys.excepthook` log and report (until `uninstall`)."""
    reporter = ErrorReporter(parent, sys.excepthook)
    sys.excepthook = reporter
    return reporter


def uninstall(reporter: ErrorReporter) -> None:
    if sys.excepthook is reporter:
        sys.excepthook = reporter.previous
