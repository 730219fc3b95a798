"""The run store: one folder per training run, every file written so that a crash loses nothing
that was already on disk.

Where: `$CNNSTUDIO_HOME/runs` when that variable is set (tests, portable installs), else
`platformdirs.user_data_dir("cnnstudio")/runs`.

A run folder, `YYYYMMDD-HHMMSS-<model>-<dataset>` (a `-2`, `-3`... suffix keeps it unique)::

    run.json        schema_version, id, status (running/finished/stopped/failed) and reason,
                    display name and tags, config, timestamps, versions, device, the training
                    process (pid, host, process start time), model and data set facts,
                    epochs_completed, best and last epoch metrics, the latest checkpoint.
                    Rewritten atomically at the start, after every epoch and at the end.
    history.jsonl   full-resolution history, one JSON object per line:
                    {"kind": "batch", "epoch", "batch", "step", "loss", "accuracy", ...} for every
                    reported batch, then {"kind": "epoch", "epoch", "metrics", ...} for the epoch.
                    Appended once per epoch (one write, then fsync); a crash can only tear the
                    last line, which `read_history` skips. Appending keeps each write small on long
                    runs, where rewriting a growing history.json every epoch would not. A resume
                    rewrites it (atomically) to end at the checkpoint it continues from.
    log.txt         warnings a person should see later (a damaged checkpoint skipped, a resume).
    model.keras     the final model (written atomically).
    checkpoints/    per-epoch checkpoints with optimizer state (see `checkpoints.py`).
    logs/           TensorBoard scalars per epoch (`tensorboard --logdir RUN/logs`).
    exports/        what `cnnstudio export` wrote (see `export.py`).

Atomic writes: a temporary file in the same folder, flush + fsync, then `os.replace`.

Status: run.json says `running` while a process trains the run. When that process is gone
(killed, power loss) the file still says `running`; `Run.effective_status` then answers
`interrupted`, found by checking the recorded pid, and the process start time so that a recycled
pid is not mistaken for the trainer. An interrupted run is resumable like a stopped one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

# 2: display name, tags, the training process's identity (for interrupted-run detection),
# the latest checkpoint. Version 1 records are read and completed by `_migrate`.
SCHEMA_VERSION = 2
OLDEST_SCHEMA_VERSION = 1
RUN_FILE = "run.json"
HISTORY_FILE = "history.jsonl"
LOG_FILE = "log.txt"
MODEL_FILE = "model.keras"
CHECKPOINTS_DIR = "checkpoints"
EXPORTS_DIR = "exports"
LOGS_DIR = "logs"  # TensorBoard scalars, one point per epoch

STATUSES = ("running", "finished", "stopped", "failed")
# What a reader may see besides STATUSES: a `running` record whose process is gone.
INTERRUPTED = "interrupted"
RESUMABLE_STATUSES = ("stopped", "failed", INTERRUPTED)


class RunSchemaError(ValueError):
    """run.json was written by a newer CNN Studio, or is not a run record at all."""


def runs_root() -> Path:
    """The folder that holds every run (not created here)."""
    home = os.environ.get("CNNSTUDIO_HOME")
    if home:
        return Path(home) / "runs"
    import platformdirs

    return Path(platformdirs.user_data_dir("cnnstudio", appauthor=False)) / "runs"


def _fsync_directory(folder: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None], *, suffix: str = ".tmp") -> None:
    """Call `write(temp_path)`, fsync the file, then move it over `path` in one step."""
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    temp = Path(temp_name)
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


def now_iso() -> str:
    """Local time with its UTC offset, to the second: what a person reads in `runs`."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "run"


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


def process_alive(pid: Any, host: Any = None, process_start: Any = None) -> bool:
    """Whether the process recorded by `process_identity` still runs.

    A process on another host cannot be checked from here: it counts as alive (a run folder on
    a shared disk must not be declared dead by a neighbour).
    """
    if not isinstance(pid, int) or pid <= 0:
        return False
    if host and host != socket.gethostname():
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


def _migrate(record: dict[str, Any], source: str) -> dict[str, Any]:
    """Bring a run.json of any readable schema to the current one; refuse newer ones."""
    if not isinstance(record, dict):
        raise RunSchemaError(f"{source} is not a run record (a JSON object was expected)")
    version = record.get("schema_version", 1)
    if not isinstance(version, int) or version < OLDEST_SCHEMA_VERSION:
        raise RunSchemaError(f"{source} has an unknown schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise RunSchemaError(
            f"{source} was written by a newer CNN Studio (run schema version {version}; this "
            f"version reads up to {SCHEMA_VERSION}): update CNN Studio to open this run"
        )
    record = dict(record)
    if version < 2:
        # Version 1 had the pid and host at the top level and no name, tags or checkpoint.
        record.setdefault("name", None)
        record.setdefault("tags", [])
        record.setdefault(
            "process",
            {
                "pid": record.get("pid"),
                "host": record.get("host"),
                "process_start": None,
            },
        )
        record.setdefault("checkpoint", None)
    return record


def read_history(path: Path) -> list[dict[str, Any]]:
    """Every complete line of a history.jsonl; a torn last line (a crash mid-append) is skipped."""
    entries: list[dict[str, Any]] = []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return entries
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


class Run:
    """A handle on one run folder: the session writes through it, readers read through it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.id = self.path.name
        self._record: dict[str, Any] | None = None

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def history_file(self) -> Path:
        return self.path / HISTORY_FILE

    @property
    def model_file(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS_DIR

    @property
    def log_file(self) -> Path:
        return self.path / LOG_FILE

    @property
    def exports_dir(self) -> Path:
        return self.path / EXPORTS_DIR

    # -- reading ------------------------------------------------------------------------------

    def _read_record(self) -> dict[str, Any]:
        record = json.loads(self.run_file.read_text(encoding="utf-8"))
        return _migrate(record, f"run {self.id!r}")

    @property
    def record(self) -> dict[str, Any]:
        """The parsed run.json, in the current schema (cached; `reload()` re-reads it).

        Raises RunSchemaError for a record written by a newer version, OSError or
        json.JSONDecodeError for a missing or damaged file.
        """
        if self._record is None:
            self._record = self._read_record()
        return self._record

    def reload(self) -> dict[str, Any]:
        self._record = None
        return self.record

    @property
    def status(self) -> str:
        """As written in run.json: running, finished, stopped or failed."""
        return self.record.get("status", "unknown")

    @property
    def name(self) -> str:
        """The display name a person gave the run, else its id."""
        return self.record.get("name") or self.id

    @property
    def tags(self) -> list[str]:
        return list(self.record.get("tags") or [])

    def is_alive(self) -> bool:
        """True while the process that trains this run is still there."""
        record = self.record
        if record.get("status") != "running":
            return False
        process = record.get("process") or {}
        return process_alive(process.get("pid"), process.get("host"), process.get("process_start"))

    @property
    def effective_status(self) -> str:
        """The status a person should see: `interrupted` for a `running` record whose training
        process is gone, else the recorded status."""
        status = self.status
        if status == "running" and not self.is_alive():
            return INTERRUPTED
        return status

    def disk_size(self) -> int:
        """Bytes of every file in the run folder (checkpoints and exports included)."""
        total = 0
        for directory, _, files in os.walk(self.path):
            for name in files:
                with contextlib.suppress(OSError):  # a temporary file may vanish meanwhile
                    total += os.lstat(os.path.join(directory, name)).st_size
        return total

    def log(self, message: str) -> None:
        """Append a timestamped line to log.txt (fsynced: the warnings matter after crashes)."""
        line = f"{now_iso()} {message.strip()}\n"
        with open(self.log_file, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def log_lines(self) -> list[str]:
        try:
            return self.log_file.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []

    def history(self) -> list[dict[str, Any]]:
        return read_history(self.history_file)

    # -- writing ------------------------------------------------------------------------------

    def write_record(self, record: dict[str, Any]) -> None:
        record = dict(record)
        record["schema_version"] = SCHEMA_VERSION
        record["id"] = self.id
        record["updated"] = now_iso()
        atomic_write_json(self.run_file, record)
        self._record = record

    def update_record(self, **changes: Any) -> dict[str, Any]:
        # Re-read first: another process (`cnnstudio runs rename` while training, say) may
        # have changed fields this handle does not own since it last wrote.
        try:
            record = self._read_record()
        except (OSError, ValueError):
            record = dict(self.record)
        record.update(changes)
        self.write_record(record)
        return record

    def rename(self, name: str | None) -> None:
        """Set the display name (None or blank: back to the id). The folder keeps its id."""
        if name is not None and not isinstance(name, str):
            raise ValueError(f"a run name must be text; received {name!r}")
        name = (name or "").strip()
        if "\n" in name or len(name) > 200:
            raise ValueError("a run name must be one line of at most 200 characters")
        self.update_record(name=name or None)

    def set_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        """Replace the tags: short words, kept in the order given, without duplicates."""
        cleaned: list[str] = []
        for tag in tags:
            if not isinstance(tag, str) or not tag.strip():
                raise ValueError(f"a tag must be non-empty text; received {tag!r}")
            tag = tag.strip()
            if len(tag) > 50 or any(ch.isspace() for ch in tag) or "," in tag:
                raise ValueError(
                    f"a tag is one word of at most 50 characters, without commas; received {tag!r}"
                )
            if tag not in cleaned:
                cleaned.append(tag)
        self.update_record(tags=cleaned)

    def rewrite_history(self, entries: list[dict[str, Any]]) -> None:
        """Replace history.jsonl atomically (a resume cutting it back to its checkpoint)."""
        text = "".join(json.dumps(entry, allow_nan=True) + "\n" for entry in entries)
        atomic_write_text(self.history_file, text)

    def append_history(self, entries: list[dict[str, Any]]) -> None:
        """Append entries as JSON lines in one write, then fsync (see the module docstring)."""
        if not entries:
            return
        text = "".join(json.dumps(entry, allow_nan=True) + "\n" for entry in entries)
        with open(self.history_file, "a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())

    def save_model(self, model: Any) -> None:
        """Write `model` to model.keras atomically (Keras insists on the .keras suffix)."""
        atomic_write(self.model_file, lambda temp: model.save(temp), suffix=".keras")

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"


@dataclass(frozen=True)
class RunSummary:
    """One row of `cnnstudio runs` and of the app's run list."""

    id: str
    path: Path
    status: str
    reason: str | None
    model: str
    dataset: str
    best_val_accuracy: float | None
    epochs_completed: int
    started: str
    name: str | None = None  # the display name, None when not renamed
    tags: tuple[str, ...] = ()
    size_bytes: int = 0
    duration_seconds: float = 0.0  # training time, resumed sessions included

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def resumable(self) -> bool:
        return self.status in RESUMABLE_STATUSES


class RunStore:
    """Creates and lists run folders under `root` (default: `runs_root()`)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        # Resolved lazily so that CNNSTUDIO_HOME set after construction (tests) is honoured.
        return self._root if self._root is not None else runs_root()

    def create(self, model: str, dataset: str, *, started: float | None = None) -> Run:
        """Make a fresh, uniquely named run folder (with its checkpoints/ subfolder)."""
        root = self.root
        root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
        base = f"{stamp}-{_slug(model)}-{_slug(dataset)}"
        for attempt in range(1, 10_000):
            name = base if attempt == 1 else f"{base}-{attempt}"
            try:
                (root / name).mkdir()  # exclusive: two processes never share a folder
            except FileExistsError:
                continue
            run = Run(root / name)
            run.checkpoints_dir.mkdir()
            return run
        raise RuntimeError(f"could not create a unique run folder under {root}")

    def get(self, run_id: str) -> Run:
        path = self.root / run_id
        if run_id.startswith(".") or os.sep in run_id or not (path / RUN_FILE).is_file():
            raise ValueError(f"no run {run_id!r} in {self.root}")
        return Run(path)

    def find(self, text: str) -> Run:
        """A run named on the command line: its id, its folder path, the start of its id, or
        its display name; `latest` is the newest run. ValueError says what matched."""
        text = str(text).strip()
        if not text:
            raise ValueError("name a run: its id (see `cnnstudio runs`) or its folder")
        folder = Path(text).expanduser()
        if (folder / RUN_FILE).is_file() and (os.sep in text or folder.is_absolute()):
            return Run(folder)
        runs = self.list()
        if text == "latest":
            if not runs:
                raise ValueError(f"no runs yet in {self.root}")
            return runs[-1]
        for run in runs:
            if run.id == text:
                return run
        matches = [run for run in runs if run.id.startswith(text)]
        if not matches:
            named = []
            for run in runs:
                with contextlib.suppress(OSError, ValueError):
                    if run.record.get("name") == text:
                        named.append(run)
            matches = named
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(run.id for run in matches[:4])
            raise ValueError(f"{text!r} matches {len(matches)} runs ({ids}); give more of the id")
        raise ValueError(f"no run {text!r} in {self.root} (see `cnnstudio runs`)")

    def delete(self, run_id: str | Run) -> None:
        """Remove a run and its folder. A run still training is refused.

        The folder is first renamed to a hidden name (one atomic step: it leaves every list
        at once), then removed; a crash in between leaves only a hidden folder.
        """
        run = self.get(run_id) if not isinstance(run_id, Run) else run_id
        try:
            alive = run.is_alive()
        except (OSError, ValueError):
            alive = False  # a damaged record cannot be training
        if alive:
            pid = (run.record.get("process") or {}).get("pid")
            raise ValueError(
                f"run {run.id!r} is still training (process {pid}); stop it before deleting it"
            )
        trash = run.path.with_name(f".deleting-{run.id}-{os.getpid()}")
        os.replace(run.path, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.list())

    def list(self) -> list[Run]:
        """Every readable run, oldest first (folder names sort by start time)."""
        root = self.root
        if not root.is_dir():
            return []
        runs = []
        for path in sorted(root.iterdir()):
            if not path.name.startswith(".") and (path / RUN_FILE).is_file():
                runs.append(Run(path))
        return runs

    def summaries(self) -> list[RunSummary]:
        """One row per run, oldest first. A run written by a newer version is listed with the
        status `unsupported` and the reason; a damaged run.json is skipped."""
        rows = []
        for run in self.list():
            try:
                record = run.record
                status = run.effective_status
                reason = record.get("reason")
            except RunSchemaError as error:
                try:
                    record = json.loads(run.run_file.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if not isinstance(record, dict):
                    continue
                status, reason = "unsupported", str(error)
            except (OSError, json.JSONDecodeError):
                continue  # a folder being created or damaged: skip it, do not fail the list
            best = record.get("best") or {}
            config = record.get("config") or {}
            rows.append(
                RunSummary(
                    id=run.id,
                    path=run.path,
                    status=status,
                    reason=reason,
                    model=config.get("model", "?"),
                    dataset=config.get("dataset", "?"),
                    best_val_accuracy=best.get("val_accuracy"),
                    epochs_completed=int(record.get("epochs_completed", 0) or 0),
                    started=record.get("started", ""),
                    name=record.get("name") or None,
                    tags=tuple(record.get("tags") or ()),
                    size_bytes=run.disk_size(),
                    duration_seconds=float(record.get("elapsed_seconds", 0.0) or 0.0),
                )
            )
        return rows
