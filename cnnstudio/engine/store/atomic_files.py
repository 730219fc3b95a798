"""Files written so that a crash leaves the old file or the new one, never half of either.

A temporary file in the same folder, flush + fsync, then `os.replace` (and an fsync of the
folder, which makes the rename itself durable).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cnnstudio.i18n import _


def _fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_temporary(path: Path, suffix: str) -> Path:
    """A new, empty file beside `path`, with the mode the user's umask gives any new file.

    Not `tempfile.mkstemp`: it creates files 0600 whatever the umask, and the rename would
    carry that mode to run.json, model.keras and exports that others (a group, a web server
    showing TensorBoard) are meant to read.
    """
    for _attempt in range(100):
        temp = path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as error:
            # Named by the file asked for, not by our hidden temporary one ("No such file or
            # directory: /missing/.x.json.e1fb….tmp" sent a person looking for a file they never
            # named).
            raise type(error)(error.errno, error.strerror, str(path)) from None
        os.close(fd)
        return temp
    raise FileExistsError(_("could not create a temporary file beside {path}").format(path=path))


def make_directory(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder in `parent`, with the mode the umask gives (unlike
    `tempfile.mkdtemp`'s 0700)."""
    for _attempt in range(100):
        folder = Path(parent) / f"{prefix}{secrets.token_hex(6)}"
        try:
            folder.mkdir(0o777)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(
        _("could not create a temporary folder in {parent}").format(parent=parent)
    )


def atomic_write(path: Path, write: Callable[[Path], None], *, suffix: str = ".tmp") -> None:
    """Call `write(temp_path)`, fsync the file, then move it over `path` in one step."""
    path = Path(path)
    temp = _create_temporary(path, suffix)
    try:
        write(temp)
        with open(temp, "rb+") as handle:
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=True) + "\n")
