"""What a run.json may hold, and how a record of any readable version becomes the current one.

Every reader of the run store goes through `parse_record`, so a run.json that is not a run record
(random bytes, cut-off JSON, `"config": "x"`) is one `DamagedRunError` naming the run and the
field, never an `AttributeError` three calls later in whatever happened to read it. Only the types
that readers rely on are checked; fields a record lacks are fine (older versions, a run that has
just started).
"""

from __future__ import annotations

import json
from typing import Any

from cnnstudio.i18n import _

# 2: display name, tags, the training process's identity (for interrupted-run detection),
# the latest checkpoint. Version 1 records are read and completed by `migrate`.
SCHEMA_VERSION = 2
OLDEST_SCHEMA_VERSION = 1


class RunSchemaError(ValueError):
    """run.json was written by a newer CNN Studio, or is not a run record at all."""


class DamagedRunError(RunSchemaError):
    """run.json cannot be read as a run record: unreadable bytes, broken JSON or wrong types.

    A subclass of RunSchemaError (and so of ValueError): every caller that refuses a run it
    cannot read refuses a damaged one the same way.
    """


_NUMBER = (int, float)
# field -> the types its value may have when present and not null.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "reason": (str,),
    "name": (str,),
    "tags": (list,),
    "config": (dict,),
    "started": (str,),
    "finished": (str,),
    "updated": (str,),
    "elapsed_seconds": _NUMBER,
    "epochs_completed": (int,),
    "process": (dict,),
    "best": (dict,),
    "last": (dict,),
    "checkpoint": (dict,),
    "resumes": (list,),
    "model": (dict,),
    "dataset": (dict,),
    "versions": (dict,),
    "steps_per_epoch": (int,),
    "steps_per_execution": (int,),
    "hardware": (dict,),
}
# Nested values the run list, resume and predict read directly.
_NESTED_TYPES: dict[tuple[str, str], tuple[type, ...]] = {
    ("config", "model"): (str,),
    ("config", "dataset"): (str,),
    ("config", "epochs"): (int,),
    ("best", "val_accuracy"): _NUMBER,
    ("best", "epoch"): (int,),
    ("process", "pid"): (int,),
    ("process", "host"): (str,),
    ("process", "process_start"): (int,),
    ("model", "params"): (int,),
    ("dataset", "class_names"): (list,),
    ("dataset", "image_shape"): (list,),
}


def _type_names(types: tuple[type, ...]) -> str:
    if types == _NUMBER:
        return "a number"
    names = {"str": "text", "int": "an integer", "list": "a list", "dict": "an object"}
    return " or ".join(names.get(t.__name__, t.__name__) for t in types)


def _check_type(value: Any, types: tuple[type, ...], where: str, source: str) -> None:
    # bool is an int to Python, never a count or a number in a run record.
    if value is None or (isinstance(value, types) and not isinstance(value, bool)):
        return
    raise DamagedRunError(
        _("{source} is damaged: {where} should be {type_names}, not {value!r:.40}").format(
            source=source, where=where, type_names=_type_names(types), value=value
        )
    )


def validate(record: dict[str, Any], source: str) -> None:
    """Raise DamagedRunError when a field that readers use has the wrong type."""
    for field, types in _FIELD_TYPES.items():
        _check_type(record.get(field), types, field, source)
    for (outer, inner), types in _NESTED_TYPES.items():
        container = record.get(outer)
        if isinstance(container, dict):
            _check_type(container.get(inner), types, f"{outer}.{inner}", source)
    tags = record.get("tags") or []
    if not all(isinstance(tag, str) for tag in tags):
        raise DamagedRunError(
            _("{source} is damaged: tags should be a list of words").format(source=source)
        )


def migrate(record: Any, source: str) -> dict[str, Any]:
    """Bring a run.json of any readable schema to the current one; refuse newer ones."""
    if not isinstance(record, dict):
        raise DamagedRunError(
            _(
                "{source} is damaged: run.json is not a run record (a JSON object was expected)"
            ).format(source=source)
        )
    version = record.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < OLDEST_SCHEMA_VERSION:
        raise DamagedRunError(
            _("{source} is damaged: unknown schema_version {version!r:.40}").format(
                source=source, version=version
            )
        )
    if version > SCHEMA_VERSION:
        raise RunSchemaError(
            _(
                "{source} was written by a newer CNN Studio (run schema version "
                "{version}; this version reads up to {SCHEMA_VERSION}): update CNN "
                "Studio to open this run"
            ).format(source=source, version=version, SCHEMA_VERSION=SCHEMA_VERSION)
        )
    record = dict(record)
    if version < 2:
        # Version 1 had the pid and host at the top level and no name, tags or checkpoint.
        record.setdefault("name", None)
        record.setdefault("tags", [])
        record.setdefault(
            "process",
            {"pid": record.get("pid"), "host": record.get("host"), "process_start": None},
        )
        record.setdefault("checkpoint", None)
    validate(record, source)
    return record


def parse_record(data: bytes, source: str) -> dict[str, Any]:
    """run.json's bytes -> the record in the current schema.

    Raises RunSchemaError for a newer version, DamagedRunError for anything unreadable.
    """
    try:
        record = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DamagedRunError(
            _("{source} is damaged: run.json is not UTF-8 text").format(source=source)
        ) from None
    except json.JSONDecodeError as error:
        raise DamagedRunError(
            _(
                "{source} is damaged: run.json is not valid JSON ({msg} at line "
                "{lineno} column {colno})"
            ).format(source=source, msg=error.msg, lineno=error.lineno, colno=error.colno)
        ) from None
    return migrate(record, source)
