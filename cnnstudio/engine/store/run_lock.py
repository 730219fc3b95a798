"""An exclusive lock on a file, across threads and processes, for run.json's read-modify-write.

The trainer rewrites run.json after every epoch while `cnnstudio runs rename` or the run browser
may change its name or tags: each re-reads, changes its fields and writes the whole record back,
so without a lock one of them can write over the other's change. The lock is an OS lock on a
separate, never-removed file (removing a lock file lets two writers lock two different files):
`fcntl.flock` on POSIX, `msvcrt.locking` on Windows. The standard library covers both, so no
dependency (such as `filelock`) is needed; the OS drops the lock when its holder dies, so a
crash never leaves a run locked. Each `file_lock` opens its own descriptor, which makes threads
of one process exclude each other too (flock locks belong to the open file, not the process).

`try_lock` takes such a lock without waiting and keeps it: a training session holds one on the
run's `.writer.lock` for as long as it writes the run, so a second trainer of the same run (two
`cnnstudio resume` started together) is refused where the lock is taken, before it writes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        # LK_LOCK retries for about 10 s, then raises; a writer holds the lock for milliseconds.
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing, never removed) while inside."""
    # 0o666 and the umask decide the mode, as for any file the user creates.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _lock(fd)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if os.name == "nt":  # pragma: no cover - exercised on Windows only

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class HeldLock:
    """A lock taken by `try_lock`, held until `release()` or until its process ends."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def try_lock(path: Path) -> HeldLock | None:
    """Take an exclusive lock on `path` without waiting: the lock, or None when another holder
    (a thread or a process) has it. For long holds such as the one writer of a run."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    if _try_lock(fd):
        return HeldLock(fd)
    os.close(fd)
    return None


WRITER_LOCK_FILE = ".writer.lock"


class RunInUseError(ValueError):
    """Another trainer (a process or a thread) is writing this run now."""

    code = "run_in_use"

    def __init__(self, run_id: str) -> None:
        from cnnstudio.i18n import _

        self.run_id = run_id
        super().__init__(
            _(
                "run {run!r} is being trained by another process right now; nothing was "
                "written (wait for it to end, or stop it first)"
            ).format(run=run_id)
        )


def take_writer_lock(run: Any) -> HeldLock:
    """The lock of `run`'s one writer, held by a training session from opening the run to its
    end; RunInUseError when another trainer holds it."""
    held = try_lock(Path(run.path) / WRITER_LOCK_FILE)
    if held is None:
        raise RunInUseError(run.id)
    return held
