"""The state every view of the window shares: what is selected, whether the engine has loaded.

One `StudioContext` lives as long as the main window. Views read it and listen to its signals
instead of reaching into each other: the model picker sets the model, the data panel the data set,
the training panel reads both to build a `TrainingConfig`. It holds plain values only (names,
option dicts, paths), so it is cheap to create before TensorFlow has been imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from cnnstudio.engine.store.runs import RunStore

DEFAULT_MODEL = "lenet5"
DEFAULT_DATASET = "mnist-5k"


@dataclass(frozen=True)
class Selection:
    """What the user has picked to train: a registered model with options, and a data set."""

    model: str = DEFAULT_MODEL
    model_options: dict[str, Any] = field(default_factory=dict)
    # A registered data set name, or "folder" with `image_folder` set.
    dataset: str = DEFAULT_DATASET
    image_folder: Path | None = None


class StudioContext(QObject):
    """Shared selection, engine readiness and run store, with change signals.

    Signals are emitted on the GUI thread only; the background loader reports through
    `mark_engine_ready` / `mark_engine_failed`, which it must call on the GUI thread (queued).
    """

    selectionChanged = Signal()
    engineReady = Signal()
    engineFailed = Signal(str)
    # A run was created, finished, renamed, deleted...: run lists should refresh.
    runsChanged = Signal()
    # A view asks the window to bring another view to the front (for example "training").
    viewRequested = Signal(str)
    # A model card, a lesson or the layer graph asks for a concept demonstration by its key
    # ("convolution", "pooling", "normalization", "dropout", "one_by_one", "residual",
    # "activations", "receptive_field"), or for a term of the glossary by its key.
    conceptRequested = Signal(str)
    glossaryRequested = Signal(str)

    def __init__(self, run_store: RunStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._selection = Selection()
        self._engine_ready = False
        self._engine_error: str | None = None
        # The loader's EngineStatus (versions, devices) once the engine is up; None before.
        self.engine_status: Any = None
        self.run_store = run_store if run_store is not None else RunStore()

    # -- selection ------------------------------------------------------------------------------

    @property
    def selection(self) -> Selection:
        return self._selection

    def set_model(self, model: str, options: dict[str, Any] | None = None) -> None:
        self._update(
            Selection(
                model, dict(options or {}), self._selection.dataset, self._selection.image_folder
            )
        )

    def set_dataset(self, dataset: str, image_folder: Path | None = None) -> None:
        self._update(
            Selection(self._selection.model, self._selection.model_options, dataset, image_folder)
        )

    def _update(self, selection: Selection) -> None:
        if selection != self._selection:
            self._selection = selection
            self.selectionChanged.emit()

    # -- engine readiness -----------------------------------------------------------------------

    @property
    def engine_ready(self) -> bool:
        return self._engine_ready

    @property
    def engine_error(self) -> str | None:
        return self._engine_error

    def mark_engine_ready(self, status: Any = None) -> None:
        if status is not None:
            self.engine_status = status
        if not self._engine_ready:
            self._engine_ready = True
            self.engineReady.emit()

    def mark_engine_failed(self, message: str) -> None:
        self._engine_error = message
        self.engineFailed.emit(message)
