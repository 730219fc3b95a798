"""Per-epoch checkpoints: what a resumed run needs to continue as if nothing had happened.

In a run's `checkpoints/` folder, after every completed epoch E::

    epoch-000E.npz     every variable of the model (weights, batch-norm statistics, the
                       standardisation layer's mean and variance, the dropout layers' random
                       generator states) and of its optimizer (moments, the iteration counter,
                       which is a schedule's position, the learning-rate variable that the
                       plateau schedule lowers), in their fixed build order. Plain arrays:
                       read with `allow_pickle=False`, so opening one can run no code.
    epoch-000E.json    the manifest: schema_version, epoch, the sha256 and size of the .npz,
                       the variables' paths, the training step, best and last metrics, the
                       epoch-level history so far, the early-stopping and plateau callbacks'
                       state, the seeds, the elapsed training time.

Why not a `.keras` file per epoch: Keras's own writer spends ~60 ms of Python per save on
LeNet-5 (it walks and re-serialises the object graph), 6% of a one-second epoch; reading the
arrays and writing an uncompressed npz costs a few milliseconds plus the disk. The model's
architecture is not needed in a checkpoint: a resume rebuilds it from the run's config, and the
final model.keras is written at the end as before.

Order of writing, each file atomic (temporary file in the folder, fsync, `os.replace`): the
arrays first, then the manifest. A manifest therefore exists only for a complete arrays file,
and its sha256 tells a file damaged later (a truncated copy, a bad disk) from a good one. A crash
between the two leaves an arrays file without a manifest, which is ignored; a crash inside a
write leaves a hidden temporary file, which is removed on the next resume.

`latest_good()` walks back from the newest manifest, verifying each, and returns the first good
checkpoint; every damaged one it passes is reported to `warn` (the run's log.txt) and moved aside
into `checkpoints/quarantine/`, so that a later resume does not trip over it again. It is never
deleted: what looked like damage may have been a passing read error, and a person can still
look at (or put back) the files.

`restore` checks each stored variable against the model's, in order: its path (the manifest
records them) and its shape; a checkpoint of another model is refused naming the first
difference, rather than loaded into the wrong variables by position.

Retention: the newest `keep` checkpoints and the best one (highest `val_accuracy`, the metric the
run reports as best) are kept; older ones are deleted after the new one is safely written.

Cost: see `benchmarks` and run.json's `checkpoint.mean_seconds`; LeNet-5 (0.75 MB with its
Adam moments) takes a few milliseconds; the sha256 adds about 2 ms per MB.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.engine.store.runs import atomic_write, atomic_write_json, now_iso
from cnnstudio.i18n import _

if TYPE_CHECKING:
    import keras

CHECKPOINT_SCHEMA_VERSION = 1
MONITOR = "val_accuracy"  # higher is better; the same metric as the run's `best`
_NAME = re.compile(r"^epoch-(\d{4,})\.json$")
QUARANTINE_DIR = "quarantine"
# Keras's uniquifying suffix ("dense_3"): its counter depends on what the process built before,
# so it is not part of a variable's identity here.
_COUNTER_SUFFIX = re.compile(r"_\d+$")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message says why."""


@dataclass(frozen=True)
class Checkpoint:
    epoch: int
    data_path: Path  # the .npz of variables
    manifest_path: Path
    manifest: dict[str, Any]

    @property
    def metrics(self) -> dict[str, float]:
        return dict(self.manifest.get("last") or {})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashingWriter:
    """A write-only file that hashes what passes through it, so a checkpoint's sha256 is of
    the bytes written rather than of a read-back (which the page cache would answer anyway, at
    the cost of reading the file again). It cannot seek: zipfile then writes each member once,
    in order, with its sizes after the data, which every zip reader (np.load) reads."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += memoryview(data).nbytes
        return self.handle.write(data)

    def tell(self) -> int:
        return self.size

    def seek(self, *args: Any) -> int:
        raise OSError(_("a hashing writer cannot seek"))

    def seekable(self) -> bool:
        return False

    def read(self, *args: Any) -> bytes:
        # Present because numpy takes an object with `read` for a file (not a path name).
        raise OSError(_("a hashing writer cannot read"))

    def flush(self) -> None:
        self.handle.flush()


def _stem(epoch: int) -> str:
    return f"epoch-{epoch:04d}"


class CheckpointStore:
    """Reads and writes the checkpoints of one run folder."""

    def __init__(
        self,
        folder: Path | str,
        *,
        keep: int = 3,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        if keep < 1:
            raise ValueError(_("keep must be at least 1; received {keep}").format(keep=keep))
        self.folder = Path(folder)
        self.keep = keep
        self.warn = warn or (lambda message: None)

    def data_path(self, epoch: int) -> Path:
        return self.folder / f"{_stem(epoch)}.npz"

    def manifest_path(self, epoch: int) -> Path:
        return self.folder / f"{_stem(epoch)}.json"

    # -- writing ------------------------------------------------------------------------------

    def save(self, model: keras.Model, epoch: int, state: dict[str, Any]) -> Checkpoint:
        """Write the checkpoint of a completed `epoch` (arrays first, then the manifest), then
        drop the ones retention no longer keeps. `model` must be compiled."""
        return self.write(snapshot(model), epoch, state)

    def write(self, taken: Snapshot, epoch: int, state: dict[str, Any]) -> Checkpoint:
        """`save` for a model's `snapshot` taken earlier: the file work only, which may run in
        another thread while the model trains on (`cnnstudio.engine.store.epoch_writer`)."""
        if epoch < 1:
            raise ValueError(
                _("checkpoint epochs count from 1; received {epoch}").format(epoch=epoch)
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        arrays = taken.arrays

        hashed: list[_HashingWriter] = []

        def write(temp: Path) -> None:
            with open(temp, "wb") as handle:
                hashed.append(_HashingWriter(handle))
                np.savez(hashed[-1], **arrays)

        data_path = self.data_path(epoch)
        atomic_write(data_path, write, suffix=".npz")
        manifest = {
            **state,
            "schema_version": CHECKPOINT_SCHEMA_VERSION,
            "epoch": epoch,
            "data_file": data_path.name,
            "sha256": hashed[-1].digest.hexdigest(),
            "size": hashed[-1].size,
            "variables": taken.variables,
            "saved": now_iso(),
        }
        atomic_write_json(self.manifest_path(epoch), manifest)
        checkpoint = Checkpoint(epoch, data_path, self.manifest_path(epoch), manifest)
        self._prune(newest=checkpoint)
        return checkpoint

    def _prune(self, newest: Checkpoint) -> None:
        epochs = self.epochs()
        keep = set(epochs[-self.keep :])
        best_epoch = (newest.manifest.get("best") or {}).get("epoch")
        if isinstance(best_epoch, int):
            keep.add(best_epoch)
        # Epochs the session still needs (early stopping's best weights).
        keep.update(e for e in newest.manifest.get("pinned") or () if isinstance(e, int))
        for epoch in epochs:
            if epoch not in keep:
                self._remove(epoch)

    def quarantine(self, epoch: int, error: CheckpointError) -> None:
        """Set aside a checkpoint that verified but cannot be used (another model's): moved
        into quarantine/ like a damaged one, and said to `warn`."""
        self._quarantine(epoch)
        self.warn(
            f"WARNING: {error} (moved to {QUARANTINE_DIR}/); using the previous checkpoint instead"
        )

    def _quarantine(self, epoch: int) -> None:
        """Move a checkpoint that failed verification into quarantine/ (never delete it)."""
        quarantine = self.folder / QUARANTINE_DIR
        quarantine.mkdir(exist_ok=True)
        # The manifest goes first, as in `_remove`: what is left is ignored, never trusted.
        for path in (self.manifest_path(epoch), self.data_path(epoch)):
            target = quarantine / path.name
            for attempt in range(2, 1000):
                if not target.exists():
                    break
                target = quarantine / f"{path.stem}-{attempt}{path.suffix}"
            with contextlib.suppress(FileNotFoundError):
                path.replace(target)

    def _remove(self, epoch: int) -> None:
        # The manifest goes first: a model file without one is ignored, never half-trusted.
        for path in (self.manifest_path(epoch), self.data_path(epoch)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def discard_after(self, epoch: int) -> None:
        """Remove checkpoints newer than `epoch` (a resume continuing from `epoch` rewrites
        them; left in place, a stale one could be mistaken for the new run's)."""
        for later in self.epochs():
            if later > epoch:
                self._remove(later)
        for path in self.folder.glob("epoch-*.npz"):
            match = re.match(r"^epoch-(\d+)\.npz$", path.name)
            if match and int(match.group(1)) > epoch:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def clean_temporaries(self) -> list[str]:
        """Remove temporary files a crash left inside a write; returns their names."""
        removed = []
        if not self.folder.is_dir():
            return removed
        for path in self.folder.iterdir():
            if path.name.startswith(".") and path.is_file():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path.name)
        return removed

    # -- reading ------------------------------------------------------------------------------

    def epochs(self) -> list[int]:
        """Epochs that have a manifest, oldest first (not yet verified)."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append(int(match.group(1)))
        return sorted(found)

    def verify(self, epoch: int) -> Checkpoint:
        """The checkpoint of `epoch` if its manifest is readable and its model file is complete
        (size and sha256 as recorded); CheckpointError says what is wrong otherwise."""
        manifest_path = self.manifest_path(epoch)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(
                _("checkpoint of epoch {epoch} has no manifest").format(epoch=epoch)
            ) from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(
                _("checkpoint manifest {name} is unreadable ({error})").format(
                    name=manifest_path.name, error=error
                )
            ) from None
        if not isinstance(manifest, dict):
            raise CheckpointError(
                _("checkpoint manifest {name} is not an object").format(name=manifest_path.name)
            )
        version = manifest.get("schema_version")
        if not isinstance(version, int) or version > CHECKPOINT_SCHEMA_VERSION:
            raise CheckpointError(
                _(
                    "checkpoint {name} was written by a newer CNN Studio (checkpoint "
                    "schema {version!r}; this version reads up to "
                    "{CHECKPOINT_SCHEMA_VERSION}); update CNN Studio to resume this run"
                ).format(
                    name=manifest_path.name,
                    version=version,
                    CHECKPOINT_SCHEMA_VERSION=CHECKPOINT_SCHEMA_VERSION,
                )
            )
        if manifest.get("epoch") != epoch:
            raise CheckpointError(
                _("checkpoint manifest {name} names epoch {value!r}").format(
                    name=manifest_path.name, value=manifest.get("epoch")
                )
            )
        data_path = self.data_path(epoch)
        try:
            size = data_path.stat().st_size
        except FileNotFoundError:
            raise CheckpointError(
                _("checkpoint file {name} is missing").format(name=data_path.name)
            ) from None
        if size != manifest.get("size"):
            raise CheckpointError(
                _(
                    "checkpoint file {name} is truncated or damaged ({size} bytes; {value} "
                    "were written)"
                ).format(name=data_path.name, size=size, value=manifest.get("size"))
            )
        if file_sha256(data_path) != manifest.get("sha256"):
            raise CheckpointError(
                _(
                    "checkpoint file {name} is damaged (its sha256 does not match the one "
                    "written with it)"
                ).format(name=data_path.name)
            )
        return Checkpoint(epoch, data_path, manifest_path, manifest)

    def latest_good(self, *, remove_damaged: bool = True) -> Checkpoint | None:
        """The newest checkpoint that verifies; each damaged newer one is reported to `warn`
        (and moved into quarantine/, unless `remove_damaged=False`)."""
        for epoch in reversed(self.epochs()):
            try:
                return self.verify(epoch)
            except CheckpointError as error:
                if "newer CNN Studio" in str(error):
                    raise  # not damage: an older program must not fall back past it
                if remove_damaged:
                    self._quarantine(epoch)
                    error = CheckpointError(
                        _("{error} (moved to {QUARANTINE_DIR}/)").format(
                            error=error, QUARANTINE_DIR=QUARANTINE_DIR
                        )
                    )
                self.warn(f"WARNING: {error}; using the previous checkpoint instead")
        return None

    def best(self) -> Checkpoint | None:
        """The checkpoint with the highest `MONITOR` among the good ones."""
        best: Checkpoint | None = None
        best_value = -math.inf
        for epoch in self.epochs():
            try:
                checkpoint = self.verify(epoch)
            except CheckpointError:
                continue
            value = checkpoint.metrics.get(MONITOR)
            if isinstance(value, (int, float)) and value > best_value:
                best, best_value = checkpoint, value
        return best


@dataclass(frozen=True)
class Snapshot:
    """A compiled model's checkpoint arrays (copies) and variable paths at one moment."""

    arrays: dict[str, np.ndarray]
    variables: dict[str, list[str]]


def snapshot(model: keras.Model, read: Callable[[list[Any]], list[Any]] | None = None) -> Snapshot:
    """Copy what a checkpoint of the compiled `model` holds, now (host memory). `read` reads
    a list of variables at once (`VariableReader`); else each is read on its own."""
    groups = _variable_groups(model)
    flat = [variable for variables in groups.values() for variable in variables]
    values = read(flat) if read is not None else [variable.numpy() for variable in flat]
    names = [
        f"{group}/{index:05d}" for group, items in groups.items() for index in range(len(items))
    ]
    arrays = {name: np.array(value, copy=True) for name, value in zip(names, values, strict=True)}
    variables = {group: [v.path for v in items] for group, items in groups.items()}
    return Snapshot(arrays, variables)


class VariableReader:
    """Reads many TensorFlow-backed Keras variables in one call into TensorFlow: one traced
    function instead of an eager read per variable (LeNet-5 with Adam has 30 of them, and the
    reads took 20 ms an epoch on a busy 2-core machine). Traced again when the list changes."""

    def __init__(self) -> None:
        self._function: Any = None
        self._variables: list[Any] = []

    def __call__(self, variables: list[Any]) -> list[Any]:
        import tensorflow as tf

        if self._function is None or not _same(variables, self._variables):
            self._variables = list(variables)
            held = [variable.value for variable in self._variables]
            self._function = tf.function(lambda: [tf.identity(value) for value in held])
        return [value.numpy() for value in self._function()]


def _same(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _variable_groups(model: keras.Model) -> dict[str, Sequence[Any]]:
    """The variables a checkpoint holds, in build order: `model.variables` (weights plus the
    random generators' states) and the optimizer's (moments, iterations, learning rate)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(_("a checkpoint needs a compiled model (it holds the optimizer state)"))
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return {"model": list(model.variables), "optimizer": list(optimizer.variables)}


def restore(model: keras.Model, checkpoint: Checkpoint) -> None:
    """Assign a checkpoint's arrays to the compiled `model` and its optimizer. The model must
    be built as the run built it; any difference in count, shape or variable path (from the
    manifest) is refused, naming the first, before anything is assigned."""
    from cnnstudio.engine.store.modelfile import load_checkpoint_arrays

    arrays = load_checkpoint_arrays(checkpoint.data_path)
    name = checkpoint.data_path.name
    recorded = checkpoint.manifest.get("variables") or {}
    # Every variable is checked before any is assigned: a checkpoint of another model (one
    # copied from another run) is refused whole, leaving `model` as it was.
    assignments: list[tuple[Any, Any]] = []
    for group, variables in _variable_groups(model).items():
        stored = sorted(key for key in arrays if key.startswith(group + "/"))
        if len(stored) != len(variables):
            raise CheckpointError(
                _(
                    "checkpoint {name} holds {len} {group} variables; this model has "
                    "{len2} (was the model or its options changed?)"
                ).format(name=name, len=len(stored), group=group, len2=len(variables))
            )
        paths = recorded.get(group) if isinstance(recorded, dict) else None
        if not isinstance(paths, list) or len(paths) != len(variables):
            paths = [None] * len(variables)  # a manifest without paths: shapes only
        for key, variable, path in zip(stored, variables, paths, strict=True):
            value = arrays[key]
            if tuple(value.shape) != tuple(variable.shape):
                raise CheckpointError(
                    _(
                        "checkpoint {name}: {path} has shape {tuple} there and {tuple2} in "
                        "this model"
                    ).format(
                        name=name,
                        path=variable.path,
                        tuple=tuple(value.shape),
                        tuple2=tuple(variable.shape),
                    )
                )
            if path is not None and _identity(path, group) != _identity(variable.path, group):
                raise CheckpointError(
                    _(
                        "checkpoint {name}: {group} variable {int} is {path!r} there and "
                        "{path2!r} in this model (was the model or its options changed?)"
                    ).format(
                        name=name,
                        group=group,
                        int=int(key.split("/")[-1]),
                        path=path,
                        path2=variable.path,
                    )
                )
        pairs = zip(stored, variables, strict=True)
        assignments.extend((variable, arrays[key]) for key, variable in pairs)
    for variable, value in assignments:
        variable.assign(value)
    _finalize_states(model)


def load_model_weights(model: keras.Model, checkpoint: Checkpoint) -> None:
    """Assign a checkpoint's model weights to `model`, the deployable model (model.keras): the
    model the run trained without what only training has (the augmentation layer in front, the
    optimizer). Its variables are found among the checkpoint's in order, by path and shape; a
    variable with no counterpart is refused, naming it, before anything is assigned."""
    from cnnstudio.engine.store.modelfile import load_checkpoint_arrays

    arrays = load_checkpoint_arrays(checkpoint.data_path)
    name = checkpoint.data_path.name
    stored = sorted(key for key in arrays if key.startswith("model/"))
    recorded = (checkpoint.manifest.get("variables") or {}).get("model")
    if not isinstance(recorded, list) or len(recorded) != len(stored):
        raise CheckpointError(
            _("checkpoint {name} does not record its variables' paths").format(name=name)
        )
    assignments = []
    position = 0
    for variable in model.variables:
        wanted = _identity(variable.path, "model")
        while position < len(stored) and not (
            _identity(recorded[position], "model") == wanted
            and tuple(arrays[stored[position]].shape) == tuple(variable.shape)
        ):
            position += 1
        if position == len(stored):
            raise CheckpointError(
                _(
                    "checkpoint {name} holds no {path!r} of shape {tuple} (is it a "
                    "checkpoint of another model?)"
                ).format(name=name, path=variable.path, tuple=tuple(variable.shape))
            )
        assignments.append((variable, arrays[stored[position]]))
        position += 1
    for variable, value in assignments:
        variable.assign(value)
    _finalize_states(model)


def _finalize_states(model: keras.Model) -> None:
    """Layers that keep a derived copy of their variables (Normalization's mean and variance
    tensors) rebuild it, as Keras does after loading a file."""
    for layer in _all_layers(model):
        finalize = getattr(layer, "finalize_state", None)
        if callable(finalize):
            finalize()


def _identity(path: str, group: str) -> tuple[str, ...]:
    """A variable path as compared with the manifest's: without uniquifying counters, and for
    the optimizer without its own name (the variables it tracks follow)."""
    parts = [_COUNTER_SUFFIX.sub("", part) for part in str(path).split("/")]
    return tuple(parts[1:] if group == "optimizer" else parts)


def _all_layers(model: Any) -> list[Any]:
    layers = []
    for layer in getattr(model, "layers", []):
        layers.append(layer)
        layers.extend(_all_layers(layer))
    return layers
