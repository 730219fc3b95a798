"""Reading a run's history.jsonl as untrusted input, in bounded memory.

The file is ours, but a crash can tear its last line, a disk can flip its bytes, and a person
can replace it with anything (random bytes, a JSON array, `null` epochs, a folder of that name).
Each line is read on its own: a line that is not UTF-8, not JSON, or not an entry of the shape
the trainer writes is skipped and counted; the file as a whole never raises.

    {"kind": "batch", "epoch": int >= 1, "batch": int >= 0, "step": int, "loss": number, ...}
    {"kind": "epoch", "epoch": int >= 1, "metrics": {name: number}, ...}

`max_batch_points` keeps at most about that many batch entries, evenly spread over the run
(every epoch entry is kept): a 60 MB history of a long run becomes a few thousand points to
draw, read line by line, so the reader never holds the whole file as Python objects. The file
keeps every point; only what a view draws is thinned (DESIGN: throttle at the edge).
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NUMBER = (int, float)
_NUMERIC_FIELDS = ("loss", "accuracy", "learning_rate", "seconds")


@dataclass
class HistoryRead:
    entries: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # lines that were not valid entries
    problem: str | None = None  # why the file as a whole could not be read (code)
    thinned: bool = False  # batch entries were decimated to `max_batch_points`


def valid_entry(entry: Any) -> bool:
    """An entry of the shape the trainer writes (the fields readers rely on, with their types)."""
    if not isinstance(entry, dict):
        return False
    epoch = entry.get("epoch")
    if entry.get("kind") == "batch" and epoch is None:
        epoch = 1  # readers take a batch without its epoch as the first epoch's
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 1:
        return False
    for name in _NUMERIC_FIELDS:
        value = entry.get(name)
        if value is not None and (not isinstance(value, _NUMBER) or isinstance(value, bool)):
            return False
    kind = entry.get("kind")
    if kind == "batch":
        batch, step = entry.get("batch", 0), entry.get("step", 0)
        return all(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
            for value in (batch, step)
        )
    if kind == "epoch":
        metrics = entry.get("metrics", {})
        return isinstance(metrics, dict) and all(
            isinstance(name, str) and isinstance(value, _NUMBER) and not isinstance(value, bool)
            for name, value in metrics.items()
        )
    return False


def read_history_file(path: Path, *, max_batch_points: int | None = None) -> HistoryRead:
    """The valid entries of `path`, in order; see the module's docstring."""
    result = HistoryRead()
    path = Path(path)
    try:
        status = path.stat()
    except FileNotFoundError:
        return result
    except OSError:
        result.problem = "unreadable"
        return result
    if not stat.S_ISREG(status.st_mode):
        result.problem = "not_a_file"
        return result
    stride, seen_batches, kept_batches = 1, 0, 0
    try:
        with path.open("rb") as handle:
            for raw in handle:
                entry = _parse(raw)
                if entry is None:
                    result.skipped += raw.strip() != b""
                    continue
                if entry["kind"] == "batch" and max_batch_points:
                    seen_batches += 1
                    if (seen_batches - 1) % stride:
                        continue
                    result.entries.append(entry)
                    kept_batches += 1
                    if kept_batches > 2 * max_batch_points:
                        stride *= 2  # keep every other batch point from now on, and so far
                        result.entries = _every_other_batch(result.entries)
                        kept_batches = (kept_batches + 1) // 2
                        result.thinned = True
                else:
                    result.entries.append(entry)
    except OSError:
        result.problem = "unreadable"
    return result


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return entry if valid_entry(entry) else None


def _every_other_batch(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept, index = [], 0
    for entry in entries:
        if entry["kind"] == "batch":
            index += 1
            if index % 2 == 0:
                continue
        kept.append(entry)
    return kept
