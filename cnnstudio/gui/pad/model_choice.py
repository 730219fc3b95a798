"""Which model the pad asks: the bundled LeNet-5, a finished run, or a .keras file.

The chooser is the shared one (cnnstudio/gui/widgets/trained_models.py), with the pad's rule:
only finished runs that saved a model. It emits `sourceChosen(ModelSource)`; the view loads the
choice on its worker and calls `set_current` once it is in use, or `refuse` when the engine
refused it, so the combo always names the model that answers.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.gui.widgets.trained_models import (
    BUNDLED,
    FILE,
    FINISHED,
    RUN,
    ModelSource,
    TrainedModelChooser,
    run_choices,
)


def finished_runs(store: RunStore) -> list[ModelSource]:
    """Finished runs that saved a model, newest first."""
    return run_choices(store, FINISHED)


class ModelChooser(TrainedModelChooser):
    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(store, parent, usable=FINISHED, bundled=True, name="padModelChooser")


__all__ = ["BUNDLED", "FILE", "RUN", "ModelChooser", "ModelSource", "finished_runs"]
