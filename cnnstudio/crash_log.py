"""An unexpected error leaves a log file with its traceback, and the person is told where.

The frozen app has no terminal a person would look at, and a traceback on screen helps nobody
but the developer who asks for it. So every error that no handler expected (a bug) is written,
with the versions and platform, to a file in the user's log folder
(`cnnstudio.locations.user_log_dir`); the CLI says where on stderr (`cli.main`), the GUI in a
dialog (`gui.app`). No Qt here.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

from cnnstudio import __version__
from cnnstudio.locations import is_frozen, user_log_dir

# Crash logs kept; older ones are removed when a new one is written.
KEEP_LOGS = 20


def _header() -> str:
    lines = [
        f"CNN Studio {__version__} ({'frozen app' if is_frozen() else 'from Python'})",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"python: {sys.version.split()[0]} on {platform.platform()}",
        f"command: {' '.join(sys.argv)}",
    ]
    for name in ("tensorflow", "keras", "PySide6"):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None)
        if version:
            lines.append(f"{name}: {version}")
    return "\n".join(lines)


def _prune(folder: Path) -> None:
    logs = sorted(folder.glob("crash-*.log"))
    for old in logs[:-KEEP_LOGS]:
        old.unlink(missing_ok=True)


def write_crash_log(
    kind: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
    folder: Path | None = None,
) -> Path | None:
    """Write the traceback to `crash-YYYYMMDD-HHMMSS-PID.log` in the log folder; return its
    path, or None when no log could be written (a read-only home): the caller then shows the
    traceback itself, so nothing is lost."""
    folder = folder if folder is not None else user_log_dir()
    text = _header() + "\n\n" + "".join(traceback.format_exception(kind, error, tb))
    path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        _prune(folder)
    except OSError:
        return None
    return path


def describe(error: BaseException) -> str:
    """One line for the person: the error's type and its first line."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def report_to_stderr(prog: str, error: BaseException) -> None:
    """The CLI's last resort: one line and where the traceback went (or the traceback itself
    when it could not be written)."""
    path = write_crash_log(type(error), error, error.__traceback__)
    if path is None:
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
        print(f"{prog}: unexpected error: {describe(error)}", file=sys.stderr)
        return
    print(
        f"{prog}: unexpected error: {describe(error)}\n"
        f"  The details are in {path}; please attach that file when you report it.",
        file=sys.stderr,
    )
