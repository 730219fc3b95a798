"""Is a run's trainer still there? The process identity run.json records, and a heartbeat.

On the trainer's own host the recorded pid (and its start time, so a recycled pid is not taken
for the trainer) answers. A process on another host cannot be asked, so the trainer also touches
a heartbeat file in the run folder every `HEARTBEAT_SECONDS` while a session is open (a thread:
it beats through data loading, validation and pauses, which no batch hook sees). A run recorded
on another host counts as alive while its heartbeat is younger than `STALE_AFTER_SECONDS`. The
margin is wide (20 beats) because the two machines' clocks, or a file server's, may disagree by
minutes. Without that rule a laptop whose hostname changed would keep its runs "running" for ever.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from cnnstudio.i18n import _

HEARTBEAT_FILE = ".heartbeat"
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 20 * HEARTBEAT_SECONDS


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state is [0], start time is [19])."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; it ends at the last ')'.
    return text[text.rfind(")") + 2 :].split()


def _own_start() -> int | None:
    fields = _proc_stat(os.getpid())
    return int(fields[19]) if fields and len(fields) > 19 else None


def process_identity() -> dict[str, Any]:
    """Who is training: pid, host and (on Linux) the process start time in clock ticks since
    boot, which tells a live trainer from an unrelated process that got the same pid later."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "process_start": _own_start()}


def is_other_host(host: Any) -> bool:
    return bool(host) and host != socket.gethostname()


def process_alive(pid: Any, host: Any = None, process_start: Any = None) -> bool:
    """Whether the process recorded by `process_identity` still runs.

    A process on another host cannot be checked from here: it counts as alive (the caller
    decides with the heartbeat, see `trainer_alive`).
    """
    if not isinstance(pid, int) or pid <= 0:
        return False
    if is_other_host(host):
        return True
    if pid == os.getpid():
        # This process, unless the record is from before a reboot that recycled the pid.
        return not isinstance(process_start, int) or process_start == _own_start()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    except OSError:
        return False
    fields = _proc_stat(pid)
    if fields is None:
        return os.name != "posix" or not Path("/proc/self/stat").exists()
    if fields[0] in ("Z", "X"):  # a zombie has finished; only its exit status is left
        return False
    if isinstance(process_start, int) and len(fields) > 19:
        return int(fields[19]) == process_start
    return True


def heartbeat_age(folder: Path) -> float | None:
    """Seconds since the trainer last touched the run folder's heartbeat (or, for runs written
    before heartbeats existed, since run.json was last written); None when neither exists."""
    for name in (HEARTBEAT_FILE, "run.json"):
        with contextlib.suppress(OSError):
            return max(0.0, time.time() - (Path(folder) / name).stat().st_mtime)
    return None


def trainer_alive(process: dict[str, Any], folder: Path) -> bool:
    """The stale rule: same host, the recorded process runs; another host, a fresh heartbeat."""
    pid, host = process.get("pid"), process.get("host")
    if not is_other_host(host):
        return process_alive(pid, host, process.get("process_start"))
    age = heartbeat_age(folder)
    return age is not None and age < STALE_AFTER_SECONDS


def describe_trainer(process: dict[str, Any], folder: Path) -> str:
    """What a warning or refusal names: "process 123 on h, last heartbeat 2 min ago"."""
    host = process.get("host")
    if host:
        text = _("process {pid} on {host}").format(pid=process.get("pid"), host=host)
    else:
        text = _("process {pid} on this host").format(pid=process.get("pid"))
    age = heartbeat_age(folder)
    if age is not None and is_other_host(host):
        text = _("{trainer}, last heartbeat {minutes:.0f} min ago").format(
            trainer=text, minutes=age / 60
        )
    return text


class Heartbeat:
    """While open, touches FOLDER/.heartbeat every `interval` seconds from a daemon thread."""

    def __init__(self, folder: Path, interval: float = HEARTBEAT_SECONDS) -> None:
        self.path = Path(folder) / HEARTBEAT_FILE
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        # A missed beat only makes the run look stale sooner to other hosts: never fatal.
        with contextlib.suppress(OSError):
            self.path.touch()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="run-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
