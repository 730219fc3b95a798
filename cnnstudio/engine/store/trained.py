"""A trained model as a person names it, resolved one way for every reader.

`cnnstudio predict --model`, `graph --model`, the drawing pad, the layer graph's "Open
trained..." and export all take the same words: a `.keras` file, a run folder, or a run as
`cnnstudio runs` shows it (its id, the start of its id, its display name, `latest`).
`resolve_trained` turns them into a `TrainedSource`: the model file, and the run it belongs
to when there is one (its record holds the class names and the training images' shape).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cnnstudio.engine.store.runs import RUN_FILE, Run, RunStore
from cnnstudio.locations import expand_user_path

MODEL_SUFFIXES = (".keras", ".h5")


class NoModelError(ValueError):
    """A run that has no model file to give (still training, interrupted, failed)."""

    def __init__(self, run_id: str, code: str, message: str) -> None:
        self.run_id = run_id
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class TrainedSource:
    path: Path  # the .keras file (not opened here: `modelfile.load_model_file` does that)
    run: Run | None  # the run it is the model of, when it is one


def resolve_trained(spec: str | Path, runs: RunStore | None = None) -> TrainedSource:
    """`spec` -> its model file (and run). ValueError (NoModelError, or the store's own) says
    why a name matches nothing or a run has no model."""
    path = expand_user_path(spec)
    if path.is_file() or (path.suffix in MODEL_SUFFIXES and not path.is_dir()):
        return TrainedSource(path, None)  # a missing file is said by the one who opens it
    if path.is_dir() and (path / RUN_FILE).is_file():
        run = Run(path)
    else:
        run = (runs or RunStore()).find(str(spec))
    run.record  # noqa: B018 (a damaged or newer run.json is refused before the model loads)
    return TrainedSource(model_source(run), run)


def model_source(run: Run) -> Path:
    """The model file of a run: its model.keras, written when training ends (finished, stopped
    or failed after a save). NoModelError says why a run has none."""
    if run.model_file.is_file():
        return run.model_file
    record = run.record
    reason = record.get("reason") or ""
    if record.get("status") == "failed" and "loss became" in reason:
        # No model is saved from weights that are no longer numbers.
        raise NoModelError(
            run.id,
            "loss_not_finite",
            f"run {run.id!r} has no model to export: training failed because the {reason}, so "
            f"its weights are no longer numbers and none were saved; train again with a lower "
            f"learning rate",
        )
    if record.get("status") == "failed":
        raise NoModelError(
            run.id,
            "failed_without_model",
            f"run {run.id!r} failed before it wrote a model ({reason or 'no reason recorded'}); "
            f"there is nothing to export",
        )
    raise NoModelError(
        run.id,
        "no_model_yet",
        f"run {run.id!r} has no model.keras yet (it is training or was interrupted); resume "
        f"it with `cnnstudio resume {run.id}` and stop it (Ctrl-C) to write one",
    )
