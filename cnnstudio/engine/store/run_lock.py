"""An exclusive lock on a file, across threads and processes, for run.json's read-modify-write.

The trainer rewrites run.json after every epoch while `cnnstudio runs rename` or the run browser
may change its name or tags: each re-reads, changes its fields and writes the whole record back,
so without a lock one of them can write over the other's change. The lock is an OS lock on a
separate, never-removed file (removing a lock file lets two writers lock two different files):
`fcntl.flock` on POSIX, `msvcrt.locking` on Windows. The standard library covers both, so no
dependency (such as `filelock`) is needed; the OS drops the lock when its holder dies, so a
crash never leaves a run locked. Each `file_lock` opens its own descriptor, which makes threads
of one process exclude each other too (flock locks belong to the open file, not the process).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

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
