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
`interrupted`, found by the stale rule of `run_liveness` (the recorded pid on this host, the
heartbeat for another host). An interrupted run is resumable like a stopped one.

One bad run never hides the others: a run.json that cannot be read as a run record (random
bytes, broken JSON, wrong types; see `run_schema`), or a run folder whose run.json is gone, is
listed with the status `damaged` and the reason, and can still be opened in a file manager and
deleted. Writers of run.json hold `run_lock.file_lock` on `.run.json.lock` around their
read-modify-write, so the trainer and a rename never erase each other's fields.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cnnstudio.engine.store.atomic_files import atomic_write as atomic_write
from cnnstudio.engine.store.atomic_files import atomic_write_json as atomic_write_json
from cnnstudio.engine.store.atomic_files import atomic_write_text as atomic_write_text
from cnnstudio.engine.store.ownership import check_run_deletable, remove_leftovers
from cnnstudio.engine.store.run_liveness import describe_trainer, trainer_alive
from cnnstudio.engine.store.run_liveness import process_alive as process_alive
from cnnstudio.engine.store.run_liveness import process_identity as process_identity
from cnnstudio.engine.store.run_lock import file_lock
from cnnstudio.engine.store.run_schema import (
    SCHEMA_VERSION,
    DamagedRunError,
    RunSchemaError,
    parse_record,
)
from cnnstudio.i18n import _

# Re-exported (the atomic writes, process_alive, process_identity): callers find them here.
from cnnstudio.locations import expand_user_path

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
# A run whose run.json cannot be read: listed so that it can be found and deleted.
DAMAGED = "damaged"
LOCK_FILE = ".run.json.lock"


def runs_root() -> Path:
    """The folder that holds every run (not created here)."""
    from cnnstudio.locations import user_data_dir

    return user_data_dir() / "runs"


def now_iso() -> str:
    """Local time with its UTC offset, to the second: what a person reads in `runs`."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _slug(text: str) -> str:
    # The end of a long name (an image folder's absolute path) says most; 60 characters keep
    # the folder name far below file-system limits.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[-60:].strip("-") or "run"


def read_history(path: Path) -> list[dict[str, Any]]:
    """Every valid entry of a history.jsonl (see `history_file`): a torn last line (a crash
    mid-append), undecodable bytes and entries of the wrong shape are skipped, never raised."""
    from cnnstudio.engine.store.history_file import read_history_file

    return read_history_file(path).entries


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
        source = f"run {self.id!r}"
        try:
            data = self.run_file.read_bytes()
        except FileNotFoundError:
            raise DamagedRunError(
                _("{source} is damaged: its run.json is missing").format(source=source)
            ) from None
        except OSError as error:
            raise DamagedRunError(
                _("{source} is damaged or unreadable: {error}").format(source=source, error=error)
            ) from None
        return parse_record(data, source)

    @property
    def record(self) -> dict[str, Any]:
        """The parsed run.json, in the current schema (cached; `reload()` re-reads it).

        Raises RunSchemaError for a record written by a newer version, and its subclass
        DamagedRunError for a missing, unreadable or damaged one (both are ValueErrors).
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
        """True while the process that trains this run is still there (see `run_liveness`'s
        stale rule). A record this version cannot read (damaged, or a newer version's) counts
        as not training, so that it can always be deleted."""
        try:
            record = self.record
        except RunSchemaError:
            return False
        if record.get("status") != "running":
            return False
        return trainer_alive(record.get("process") or {}, self.path)

    def trainer_description(self) -> str:
        """Which process trains the run, for messages ("process 12 on host h, ...")."""
        return describe_trainer(self.record.get("process") or {}, self.path)

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
        for directory, _subdirs, files in os.walk(self.path):
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

    def _write_unlocked(self, record: dict[str, Any]) -> dict[str, Any]:
        record = dict(record)
        record["schema_version"] = SCHEMA_VERSION
        record["id"] = self.id
        record["updated"] = now_iso()
        atomic_write_json(self.run_file, record)
        self._record = record
        return record

    def write_record(self, record: dict[str, Any]) -> None:
        with file_lock(self.path / LOCK_FILE):
            self._write_unlocked(record)

    def update_record(self, **changes: Any) -> dict[str, Any]:
        """Change some fields of run.json, keeping every other field as it is on disk.

        Under the run's lock: another writer (`cnnstudio runs rename` while the trainer writes
        its epoch, say) waits, then re-reads and keeps this change.
        """
        with file_lock(self.path / LOCK_FILE):
            try:
                record = self._read_record()
            except RunSchemaError:
                if self._record is None:
                    raise  # nothing known to write back: refuse rather than invent a record
                # The trainer's own copy wins over a file damaged under it.
                record = dict(self._record)
            record.update(changes)
            return self._write_unlocked(record)

    def rename(self, name: str | None) -> None:
        """Set the display name (None or blank: back to the id). The folder keeps its id."""
        if name is not None and not isinstance(name, str):
            raise ValueError(_("a run name must be text; received {name!r}").format(name=name))
        name = (name or "").strip()
        if "\n" in name or len(name) > 200:
            raise ValueError(_("a run name must be one line of at most 200 characters"))
        self.update_record(name=name or None)

    def set_tags(self, tags: list[str] | tuple[str, ...]) -> None:
        """Replace the tags: short words, kept in the order given, without duplicates."""
        cleaned: list[str] = []
        for tag in tags:
            if not isinstance(tag, str) or not tag.strip():
                raise ValueError(
                    _("a tag must be non-empty text; received {tag!r}").format(tag=tag)
                )
            tag = tag.strip()
            if len(tag) > 50 or any(ch.isspace() for ch in tag) or "," in tag:
                raise ValueError(
                    _(
                        "a tag is one word of at most 50 characters, without commas; received "
                        "{tag!r}"
                    ).format(tag=tag)
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
        raise RuntimeError(_("could not create a unique run folder under {root}").format(root=root))

    def get(self, run_id: str) -> Run:
        path = self.root / run_id
        if os.sep in run_id or not is_run_folder(path):
            raise ValueError(_("no run {run_id!r} in {root}").format(run_id=run_id, root=self.root))
        return Run(path)

    def find(self, text: str) -> Run:
        """A run named on the command line: its id, its folder path, the start of its id, or
        its display name; `latest` is the newest run. ValueError says what matched."""
        text = str(text).strip()
        if not text:
            raise ValueError(_("name a run: its id (see `cnnstudio runs`) or its folder"))
        folder = expand_user_path(text)
        if is_run_folder(folder) and (os.sep in text or folder.is_absolute()):
            return Run(folder)
        runs = self.list()
        if text == "latest":
            if not runs:
                raise ValueError(_("no runs yet in {root}").format(root=self.root))
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
            raise ValueError(
                _("{text!r} matches {len} runs ({ids}); give more of the id").format(
                    text=text, len=len(matches), ids=ids
                )
            )
        raise ValueError(
            _("no run {text!r} in {root} (see `cnnstudio runs`)").format(text=text, root=self.root)
        )

    def delete(self, run_id: str | Run, *, force: bool = False) -> None:
        """Remove a run and its folder. A run still training is refused unless `force` (for
        a trainer the stale rule cannot rule out, on another host: the caller warns).

        The folder is first renamed to a hidden name (one atomic step: it leaves every list
        at once), then removed; a crash in between leaves only a hidden folder, which the next
        delete removes. Raises `ownership.NotOursError` for anything that is not a run of this
        store.
        """
        run = self.get(run_id) if not isinstance(run_id, Run) else run_id
        # Only a run of this store, recognised beyond doubt: never a user's folder that merely
        # holds a history.jsonl or a checkpoints/ (`ownership`).
        check_run_deletable(run.path, self.root)
        if run.is_alive() and not force:
            raise ValueError(
                _(
                    "run {id!r} is still training ({value}); stop it before deleting it, "
                    "or pass --force if that process is gone"
                ).format(id=run.id, value=run.trainer_description())
            )
        trash = run.path.with_name(f".deleting-{run.id}-{os.getpid()}")
        os.replace(run.path, trash)
        shutil.rmtree(trash, ignore_errors=True)
        remove_leftovers(self.root)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.list())

    def list(self) -> list[Run]:
        """Every run folder, damaged ones included, oldest first (names sort by start)."""
        root = self.root
        if not root.is_dir():
            return []
        return [Run(path) for path in sorted(root.iterdir()) if is_run_folder(path)]

    def summaries(self) -> list[RunSummary]:
        """One row per run, oldest first. A run written by a newer version is listed with the
        status `unsupported`, a damaged one with `damaged`, each with the reason."""
        return [_summarize(run) for run in self.list()]


def is_run_folder(path: Path) -> bool:
    """A run folder: not hidden (a delete in progress), with a run.json, or with the history
    or checkpoints of a run whose run.json was lost. A folder `create` has just made (an empty
    checkpoints/, no run.json yet) is not one until its record is written."""
    path = Path(path)
    if path.name.startswith(".") or not path.is_dir():
        return False
    if (path / RUN_FILE).is_file() or (path / HISTORY_FILE).is_file():
        return True
    with contextlib.suppress(OSError):
        return any((path / CHECKPOINTS_DIR).iterdir())
    return False


def _summarize(run: Run) -> RunSummary:
    try:
        record = run.record
        status = run.effective_status
        reason = record.get("reason")
    except DamagedRunError as error:
        record, status, reason = {}, DAMAGED, str(error)
    except RunSchemaError as error:
        # A newer version's record: show what can be shown, with values of the types this
        # version knows, and say why the run cannot be opened.
        try:
            record = json.loads(run.run_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        status, reason = "unsupported", str(error)
    if not isinstance(record, dict):
        record = {}

    def field(container: Any, key: str, types: tuple[type, ...], default: Any) -> Any:
        value = container.get(key) if isinstance(container, dict) else None
        return value if isinstance(value, types) and not isinstance(value, bool) else default

    config, best = record.get("config"), record.get("best")
    tags = field(record, "tags", (list,), [])
    return RunSummary(
        id=run.id,
        path=run.path,
        status=status,
        reason=reason,
        model=field(config, "model", (str,), "?"),
        dataset=field(config, "dataset", (str,), "?"),
        best_val_accuracy=field(best, "val_accuracy", (int, float), None),
        epochs_completed=field(record, "epochs_completed", (int,), 0),
        started=field(record, "started", (str,), ""),
        name=field(record, "name", (str,), None) or None,
        tags=tuple(tag for tag in tags if isinstance(tag, str)),
        size_bytes=run.disk_size(),
        duration_seconds=float(field(record, "elapsed_seconds", (int, float), 0.0)),
    )
