"""The run store: one folder per training run, every file written so that a crash loses nothing
that was already on disk.

Where: `$CNNSTUDIO_HOME/runs` when that variable is set (tests, portable installs), else
`platformdirs.user_data_dir("cnnstudio")/runs`.

A run folder, `YYYYMMDD-HHMMSS-<model>-<dataset>` (a `-2`, `-3`... suffix keeps it unique)::

    run.json        schema_version, id, status (running/finished/stopped/failed) and reason,
                    config, timestamps, versions, device, pid, model and data set facts,
                    epochs_completed, best and last epoch metrics. Rewritten atomically at the
                    start, after every epoch and at the end.
    history.jsonl   full-resolution history, one JSON object per line:
                    {"kind": "batch", "epoch", "batch", "step", "loss", "accuracy", ...} for every
                    reported batch, then {"kind": "epoch", "epoch", "metrics", ...} for the epoch.
                    Appended once per epoch (one write, then fsync); a crash can only tear the
                    last line, which `read_history` skips. Appending keeps each write small on long
                    runs, where rewriting a growing history.json every epoch would not.
    model.keras     the final model (written atomically).
    checkpoints/    reserved for the next step: latest/best checkpoints with optimizer state,
                    resume and interrupted-run detection (a `running` run whose pid is gone).

Atomic writes: a temporary file in the same folder, flush + fsync, then `os.replace`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
RUN_FILE = "run.json"
HISTORY_FILE = "history.jsonl"
MODEL_FILE = "model.keras"
CHECKPOINTS_DIR = "checkpoints"

STATUSES = ("running", "finished", "stopped", "failed")


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

    # -- reading ------------------------------------------------------------------------------

    @property
    def record(self) -> dict[str, Any]:
        """The parsed run.json (cached; `reload()` re-reads it)."""
        if self._record is None:
            self._record = json.loads(self.run_file.read_text(encoding="utf-8"))
        return self._record

    def reload(self) -> dict[str, Any]:
        self._record = None
        return self.record

    @property
    def status(self) -> str:
        return self.record.get("status", "unknown")

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
        record = dict(self.record)
        record.update(changes)
        self.write_record(record)
        return record

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
        if not (path / RUN_FILE).is_file():
            raise ValueError(f"no run {run_id!r} in {self.root}")
        return Run(path)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.list())

    def list(self) -> list[Run]:
        """Every readable run, oldest first (folder names sort by start time)."""
        root = self.root
        if not root.is_dir():
            return []
        runs = []
        for path in sorted(root.iterdir()):
            if (path / RUN_FILE).is_file():
                runs.append(Run(path))
        return runs

    def summaries(self) -> list[RunSummary]:
        rows = []
        for run in self.list():
            try:
                record = run.record
            except (OSError, json.JSONDecodeError):
                continue  # a folder being created or damaged: skip it, do not fail the list
            best = record.get("best") or {}
            rows.append(RunSummary(
                id=run.id, path=run.path, status=record.get("status", "unknown"),
                reason=record.get("reason"),
                model=(record.get("config") or {}).get("model", "?"),
                dataset=(record.get("config") or {}).get("dataset", "?"),
                best_val_accuracy=best.get("val_accuracy"),
                epochs_completed=int(record.get("epochs_completed", 0)),
                started=record.get("started", ""),
            ))
        return rows
