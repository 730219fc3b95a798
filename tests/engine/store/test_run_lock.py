"""The run's locks, tested directly: file_lock excludes threads and processes; the writer lock
is taken without waiting, refused while held, free again after release or the holder's end."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cnnstudio.engine.store.run_lock import (
    WRITER_LOCK_FILE,
    RunInUseError,
    file_lock,
    take_writer_lock,
    try_lock,
)


def test_file_lock_makes_read_modify_write_exclusive_across_threads(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    lock = tmp_path / ".lock"

    def add(times: int) -> None:
        for _ in range(times):
            with file_lock(lock):
                value = int(counter.read_text())
                counter.write_text(str(value + 1))

    threads = [threading.Thread(target=add, args=(200,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert int(counter.read_text()) == 800  # no update lost


def test_try_lock_refuses_while_held_and_succeeds_after_release(tmp_path):
    path = tmp_path / ".writer.lock"
    first = try_lock(path)
    assert first is not None
    assert try_lock(path) is None  # another descriptor, even in this process
    first.release()
    first.release()  # twice is harmless
    again = try_lock(path)
    assert again is not None
    again.release()


class _Run:
    def __init__(self, path: Path) -> None:
        self.path, self.id = path, path.name


def test_the_writer_lock_is_refused_to_a_second_process_and_freed_when_the_holder_dies(tmp_path):
    run = _Run(tmp_path / "20260101-000000-lenet5-mnist-5k")
    run.path.mkdir()
    held = take_writer_lock(run)
    code = (
        "import sys; from pathlib import Path\n"
        "from cnnstudio.engine.store.run_lock import try_lock\n"
        "print('free' if try_lock(Path(sys.argv[1])) else 'held')\n"
    )
    lock = str(run.path / WRITER_LOCK_FILE)
    seen = subprocess.run([sys.executable, "-c", code, lock], capture_output=True, text=True)
    assert seen.stdout.strip() == "held", seen.stderr
    with pytest.raises(RunInUseError) as refused:
        take_writer_lock(run)
    assert refused.value.code == "run_in_use" and run.id in str(refused.value)
    held.release()
    # A holder that dies without releasing (kill -9) leaves the lock free: the OS drops it.
    dying = "import os, sys; from pathlib import Path\n" + code.splitlines()[1] + "\n"
    dying += "assert try_lock(Path(sys.argv[1])); os._exit(0)\n"
    assert subprocess.run([sys.executable, "-c", dying, lock]).returncode == 0
    seen = subprocess.run([sys.executable, "-c", code, lock], capture_output=True, text=True)
    assert seen.stdout.strip() == "free"
