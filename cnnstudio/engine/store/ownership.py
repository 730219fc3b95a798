"""What CNN Studio may delete or replace: only what it wrote itself, recognised beyond doubt.

A user's folder is never ours to empty, so every delete and every replace asks here first:

* a run folder may be deleted when it is a direct child of the store's root (not reached through
  a link), is named the way `RunStore.create` names runs, and, where its run.json can be read,
  records that same id. A folder elsewhere that merely has a `history.jsonl` or `checkpoints/` is
  somebody else's;
* an export folder may be replaced when it holds our marker file (`.cnnstudio-export.json`, which
  lists every file the export wrote) and nothing but those files, or when it is empty;
* leftovers of an interrupted write (`.<name>.tmp-*`, `.<name>.old-*`, `.deleting-<run id>-<pid>`)
  are removed only when named so and, for an export's, holding our marker: a staging folder
  gets it before anything else is written into it.

Refusals are `NotOursError`s with a stable `code` and the path, so the CLI and the GUI say them
in the person's language.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from cnnstudio.i18n import _

# `RunStore.create`: YYYYMMDD-HHMMSS-<model slug>-<data slug>[-N]
RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[a-z0-9][a-z0-9-]*$")
EXPORT_MARKER = ".cnnstudio-export.json"
EXPORT_MARKER_KIND = "cnnstudio-export"
# Hidden names our writers give to work in progress (export staging, an export moved aside, a
# run being deleted): `.NAME.tmp-XXXX`, `.NAME.old-NNNN`, `.deleting-ID-PID`.
_LEFTOVER = re.compile(r"^\.(?:.+\.(?:tmp|old)-[A-Za-z0-9_]+|deleting-.+-\d+)$")


class NotOursError(ValueError):
    """A delete or replace refused because the target is not something CNN Studio wrote."""

    def __init__(self, code: str, path: Path, **values: Any) -> None:
        self.code = code
        self.path = Path(path)
        self.values = values
        super().__init__(self._message())

    def _message(self) -> str:
        path = str(self.path)
        if self.code == "outside_store":
            return _(
                "{path} is not a run of the run store ({root}); CNN Studio deletes only its own "
                "runs, so nothing was deleted"
            ).format(path=path, root=self.values.get("root", ""))
        if self.code == "link":
            return _("{path} is a link; CNN Studio deletes only its own run folders").format(
                path=path
            )
        if self.code == "foreign_id":
            return _(
                "{path} records the run id {recorded!r}, not its folder's name; it is not a run "
                "of this store, so nothing was deleted"
            ).format(path=path, recorded=self.values.get("recorded"))
        if self.code == "not_run_name":
            return _("{path} is not named like a run of CNN Studio; nothing was deleted").format(
                path=path
            )
        if self.code == "not_an_export":
            return _(
                "{path} exists and is not an export of CNN Studio (it holds {entry}); choose "
                "another --out folder: nothing was replaced"
            ).format(path=path, entry=self.values.get("entry", "other files"))
        return _("{path} was not written by CNN Studio; nothing was changed").format(path=path)


# -- runs ----------------------------------------------------------------------------------------


def check_run_deletable(path: Path, root: Path) -> None:
    """Raise NotOursError unless `path` is a run folder of the store at `root`."""
    path = Path(path)
    if path.is_symlink():
        raise NotOursError("link", path)
    try:
        inside = path.resolve().parent == Path(root).resolve()
    except OSError:
        inside = False
    if not inside:
        raise NotOursError("outside_store", path, root=str(root))
    if not RUN_ID_PATTERN.match(path.name):
        raise NotOursError("not_run_name", path)
    recorded = _recorded_id(path)
    if recorded is not None and recorded != path.name:
        raise NotOursError("foreign_id", path, recorded=recorded)


def _recorded_id(path: Path) -> str | None:
    """run.json's `id` where it can be read; None for a damaged or older record (its name and
    place then decide: a damaged run of ours stays deletable)."""
    try:
        data = json.loads((path / "run.json").read_bytes())
    except (OSError, ValueError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


# -- exports -------------------------------------------------------------------------------------


def write_export_marker(folder: Path, run_id: str, fmt: str) -> None:
    """Record, inside a finished export's staging folder, every file it holds."""
    files = sorted(
        str(path.relative_to(folder)).replace(os.sep, "/")
        for path in Path(folder).rglob("*")
        if (path.is_file() or path.is_symlink()) and path.name != EXPORT_MARKER
    )
    marker = {"kind": EXPORT_MARKER_KIND, "run_id": run_id, "format": fmt, "files": files}
    (Path(folder) / EXPORT_MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")


def check_export_replaceable(folder: Path) -> None:
    """Raise NotOursError unless `folder` is absent, empty, or an export of ours holding only
    the files its marker lists."""
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise NotOursError("not_an_export", folder, entry=_("a file, not a folder"))
    try:
        entries = list(folder.rglob("*"))
    except OSError:
        raise NotOursError("not_an_export", folder, entry=_("unreadable entries")) from None
    if not entries:
        return
    listed = _marker_files(folder)
    if listed is None:
        raise NotOursError("not_an_export", folder, entry=entries[0].name)
    listed.add(EXPORT_MARKER)
    for entry in entries:
        relative = str(entry.relative_to(folder)).replace(os.sep, "/")
        if entry.is_dir() and not entry.is_symlink():
            if not any(name.startswith(relative + "/") for name in listed):
                raise NotOursError("not_an_export", folder, entry=relative)
        elif relative not in listed:
            raise NotOursError("not_an_export", folder, entry=relative)


def _marker_files(folder: Path) -> set[str] | None:
    try:
        data = json.loads((folder / EXPORT_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != EXPORT_MARKER_KIND:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
        return None
    return set(files)


def mark_staging(folder: Path, run_id: str, fmt: str) -> None:
    """Put our marker in a fresh staging folder before anything else, so that a leftover of an
    export stopped half-way (SIGTERM, power loss) is recognised as ours and removed later."""
    marker = {"kind": EXPORT_MARKER_KIND, "run_id": run_id, "format": fmt, "files": []}
    (Path(folder) / EXPORT_MARKER).write_text(json.dumps(marker), encoding="utf-8")


def is_our_leftover(path: Path) -> bool:
    """A hidden work-in-progress entry of ours: named as our writers name them, and holding our
    marker (an export's staging or old folder) or named as a run being deleted."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir() or not _LEFTOVER.match(path.name):
        return False
    if path.name.startswith(".deleting-"):
        run_id = path.name[len(".deleting-") :].rsplit("-", 1)[0]
        return RUN_ID_PATTERN.match(run_id) is not None
    return _marker_files(path) is not None


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove our leftovers directly inside `folder`; returns what was removed."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in Path(folder).iterdir():
            if is_our_leftover(entry):
                shutil.rmtree(entry, ignore_errors=True)
                if not entry.exists():
                    removed.append(entry)
    return removed
