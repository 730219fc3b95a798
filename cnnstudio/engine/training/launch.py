"""Running a training from an entry point: the command line, the GUI's training thread, and
later a sweep or a queue of runs all go through here, so that each run starts the same way.

Before a session makes its run folder: the devices are prepared (GPU memory growth and a
multi-worker strategy must come before anything else touches TensorFlow), a device that is not
there is refused, and an image folder is loaded, so that an empty folder or a class without a
readable image is bad input (ValueError, nothing on disk), not a `failed` run. What a person
should hear on the way (training on the CPU, skipped images) goes to `notes` as a `LaunchNote`.

`controls` may be shared: a queue that holds one `RunControls` stops whichever run is going,
and a stop asked for before the session exists is honoured by it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.engine.store.runs import Run, RunStore
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.controls import RunControls
    from cnnstudio.engine.training.events import TrainingObserver
    from cnnstudio.engine.training.session import RunResult, TrainingSession

CPU_ONLY, DATA_NOTE = "cpu_only", "data_note"


@dataclass(frozen=True)
class LaunchNote:
    """Something to tell before training: `code` CPU_ONLY (values: why) or DATA_NOTE (a data
    set's note, e.g. skipped images); `text` the sentence."""

    code: str
    text: str


Notes = Callable[[LaunchNote], None]


def _ignore(_note: LaunchNote) -> None:
    pass


def prepare_devices(config: TrainingConfig, notes: Notes | None = None) -> None:
    """Memory growth and a multi-worker strategy (`engine.devices.distribute.prepare`); a named
    device that is not there raises ValueError; `auto` without a GPU is a CPU_ONLY note."""
    from cnnstudio.engine.devices.devices import auto_choice, resolve_devices
    from cnnstudio.engine.devices.distribute import prepare

    prepare(config)
    if config.device != "auto":
        resolve_devices(config.device)
        return
    device, why = auto_choice()
    if not device.is_gpu:
        (notes or _ignore)(LaunchNote(CPU_ONLY, _("training on the CPU ({why})").format(why=why)))


def image_folder_first(config: TrainingConfig, notes: Notes | None = None) -> Any:
    """The image folder `config.dataset` names, loaded and checked now (ValueError for bad
    input); None for a registered data set, which the session loads itself."""
    from cnnstudio.engine.data.data_notes import data_notes
    from cnnstudio.engine.data.datasets import list_datasets, load_dataset

    if config.dataset in {info.name for info in list_datasets()}:
        return None
    dataset = load_dataset(
        config.dataset, validation_fraction=config.validation_fraction, seed=config.seed
    )
    for note in data_notes(dataset):
        (notes or _ignore)(LaunchNote(DATA_NOTE, note))
    return dataset


def new_session(
    config: TrainingConfig,
    observer: TrainingObserver | None = None,
    controls: RunControls | None = None,
    *,
    runs: RunStore | None = None,
    dataset: Any = None,
    devices: bool = True,
    notes: Notes | None = None,
) -> TrainingSession:
    """A session for a new run, ready to `run_training`. `devices` False: the caller prepared
    them (the session's own placement prepares them again in any case, harmlessly)."""
    from cnnstudio.engine.training.session import TrainingSession

    if devices:
        prepare_devices(config, notes)
    if dataset is None:
        dataset = image_folder_first(config, notes)
    return _controlled(TrainingSession(config, observer, runs, dataset=dataset), controls)


def resumed_session(
    run: Run | str,
    observer: TrainingObserver | None = None,
    controls: RunControls | None = None,
    *,
    runs: RunStore | None = None,
    epochs: int | None = None,
    force: bool = False,
    devices: bool = True,
    notes: Notes | None = None,
) -> TrainingSession:
    """A session that continues `run` (TrainingSession.resume_run: ValueError, before anything
    is written, for a run that cannot be resumed), its devices prepared."""
    from cnnstudio.engine.training.session import TrainingSession

    session = TrainingSession.resume_run(run, observer, runs, epochs=epochs, force=force)
    if devices:
        prepare_devices(session.config, notes)
    return _controlled(session, controls)


def _controlled(session: TrainingSession, controls: RunControls | None) -> TrainingSession:
    if controls is not None:
        session.controls = controls  # the caller's switches: a stop asked already is kept
    return session


def run_training(
    config: TrainingConfig | TrainingSession,
    observer: TrainingObserver | None = None,
    controls: RunControls | None = None,
    *,
    runs: RunStore | None = None,
    dataset: Any = None,
    devices: bool = True,
    notes: Notes | None = None,
    started: Callable[[TrainingSession], None] | None = None,
) -> RunResult:
    """Train as `config` says (or run a session made by `new_session`/`resumed_session`) and
    return its RunResult. Bad input raises ValueError before a run folder exists; training
    errors never raise (the result, run.json and the observer say what happened). `started`
    is called with the session before it runs (to hand its stop to a signal handler)."""
    from cnnstudio.engine.training.session import TrainingSession

    if isinstance(config, TrainingSession):
        session = _controlled(config, controls)
        if observer is not None:
            session.observer = observer
    else:
        session = new_session(
            config, observer, controls, runs=runs, dataset=dataset, devices=devices, notes=notes
        )
    if started is not None:
        started(session)
    return session.run()


__all__ = [
    "CPU_ONLY",
    "DATA_NOTE",
    "LaunchNote",
    "image_folder_first",
    "new_session",
    "prepare_devices",
    "resumed_session",
    "run_training",
]
