"""Which model the pad asks: the bundled LeNet-5, a finished run, or a .keras file.

`ModelChooser` lists the choices and emits `sourceChosen(ModelSource)` when the person picks one;
the view loads it on its worker and calls `set_current` once it is in use, or `revert` when the
engine refused it (the reason is shown by the view), so the combo always names the model that
answers.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from cnnstudio.engine.store.runs import MODEL_FILE, RunStore
from cnnstudio.gui.pad.recognition_worker import BUNDLED, FILE, RUN, ModelSource
from cnnstudio.i18n import _


def finished_runs(store: RunStore) -> list[ModelSource]:
    """Finished runs that saved a model, newest first."""
    sources = []
    for summary in reversed(store.summaries()):
        if summary.status != "finished" or not (summary.path / MODEL_FILE).is_file():
            continue
        accuracy = (
            f", val acc {100 * summary.best_val_accuracy:.1f}%"
            if summary.best_val_accuracy is not None
            else ""
        )
        label = f"Run {summary.display_name} ({summary.model}{accuracy})"
        sources.append(ModelSource(RUN, str(summary.path), label))
    return sources


class ModelChooser(QWidget):
    sourceChosen = Signal(object)  # ModelSource

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padModelChooser")
        self.store = store
        self.current = ModelSource()
        self._files: list[ModelSource] = []
        self.combo = QComboBox(objectName="padModelCombo")
        self.combo.setAccessibleName(_("Model behind the pad"))
        self.combo.setMinimumContentsLength(28)
        self.combo.activated.connect(self._on_activated)
        self.open_button = QPushButton(_("Open .keras…"), objectName="padOpenModelButton")
        self.open_button.setAccessibleName(_("Open a .keras model file"))
        self.open_button.clicked.connect(self._ask_file)
        self.description = QLabel(_("Loading the model…"), objectName="padModelDescription")
        self.description.setAccessibleName(_("Model in use"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(_("Model")))
        layout.addWidget(self.combo)
        layout.addWidget(self.open_button)
        layout.addWidget(self.description, 1)
        self.refresh()

    def sources(self) -> list[ModelSource]:
        return [self.combo.itemData(i) for i in range(self.combo.count())]

    def refresh(self) -> None:
        """Re-list the runs (after one finished or was deleted); the choice in use stays."""
        sources = [ModelSource(), *finished_runs(self.store), *self._files]
        if self.current not in sources:
            sources.append(self.current)
        self.combo.blockSignals(True)
        self.combo.clear()
        for source in sources:
            self.combo.addItem(source.label, source)
        self.combo.blockSignals(False)
        self.revert()

    def choose(self, source: ModelSource) -> None:
        """Ask for a model (the view loads it); a file is remembered in the list."""
        if source.kind == FILE and source not in self._files:
            self._files.append(source)
            self.combo.addItem(source.label, source)
        self.combo.setCurrentIndex(self.sources().index(source))
        self.sourceChosen.emit(source)

    def choose_file(self, path: str | Path) -> None:
        path = Path(path)
        self.choose(ModelSource(FILE, str(path), f"File {path.name}"))

    def set_current(self, source: ModelSource, description: str) -> None:
        self.current = source
        self.description.setText(description)
        self.description.setToolTip(source.location or description)
        self.revert()

    def revert(self) -> None:
        """Show the model in use (after a refused choice)."""
        sources = self.sources()
        if self.current in sources:
            self.combo.setCurrentIndex(sources.index(self.current))

    def _on_activated(self, index: int) -> None:
        source = self.combo.itemData(index)
        if source is not None and source != self.current:
            self.choose(source)

    def _ask_file(self) -> None:
        name, _chosen_filter = QFileDialog.getOpenFileName(
            self, _("Open a Keras model"), "", _("Keras models (*.keras)")
        )
        if name:
            self.choose_file(name)


__all__ = ["BUNDLED", "FILE", "RUN", "ModelChooser", "ModelSource", "finished_runs"]
