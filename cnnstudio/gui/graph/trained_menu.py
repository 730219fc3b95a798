"""The "Open trained…" menu: the shared trained-model menu (cnnstudio/gui/widgets/
trained_models.py) with the graph's rule (any run that saved a model: a stopped run's model is
worth inspecting too). It emits the location to show; the graph view does the rest."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.gui.widgets.trained_models import (
    RUNS_SHOWN,
    WITH_MODEL,
    ModelSource,
    TrainedModelMenu,
    bundled_model,
    run_choices,
)


def trained_runs(store: RunStore, limit: int = RUNS_SHOWN) -> list[tuple[str, str]]:
    """(label, folder) of the newest runs that have a model file, newest first."""
    return [(source.label, source.location) for source in run_choices(store, WITH_MODEL, limit)]


def bundled_lenet5() -> Path | None:
    return bundled_model()


class TrainedMenu(TrainedModelMenu):
    chosen = Signal(str)  # a run folder or a .keras path

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(store, parent, usable=WITH_MODEL)
        self.setObjectName("trainedMenu")

    def choose(self, source: ModelSource) -> None:
        self.chosen.emit(source.location)
