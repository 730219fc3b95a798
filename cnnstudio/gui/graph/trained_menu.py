"""The "Open trained…" menu: a .keras file (opened in safe mode), the bundled LeNet-5, or one of
the newest runs that saved a model. It emits the source to show; the graph view does the rest."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from cnnstudio.engine.store.runs import MODEL_FILE, RunStore
from cnnstudio.i18n import _

RUNS_SHOWN = 15


def trained_runs(store: RunStore, limit: int = RUNS_SHOWN) -> list[tuple[str, str]]:
    """(label, folder) of the newest runs that have a model file, newest first."""
    choices = []
    for summary in reversed(store.summaries()):
        if (Path(summary.path) / MODEL_FILE).is_file():
            label = f"{summary.name or summary.id} ({summary.model}, {summary.status})"
            choices.append((label, str(summary.path)))
        if len(choices) == limit:
            break
    return choices


def bundled_lenet5() -> Path | None:
    """The LeNet-5 shipped with the app, trained on MNIST, if this installation has it."""
    # Here, not at the top: the recognizer module imports NumPy, which the window need not wait for.
    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    path = bundled_model_path()
    return path if path.is_file() else None


class TrainedMenu(QMenu):
    chosen = Signal(str)  # a run folder or a .keras path

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainedMenu")
        self._store = store
        self.aboutToShow.connect(self.refill)

    def refill(self) -> None:
        self.clear()
        self.addAction(_("A .keras file…"), self.ask_file)
        bundled = bundled_lenet5()
        if bundled is not None:
            self.addAction(
                _("The bundled LeNet-5 (trained on MNIST)"), lambda: self.chosen.emit(str(bundled))
            )
        try:
            runs = trained_runs(self._store)
        except OSError as error:  # an unreadable runs folder: say so here, go on
            self.addAction(_("Runs unavailable: {error}").format(error=error)).setEnabled(False)
            return
        if runs:
            self.addSeparator()
        for label, folder in runs:
            self.addAction(label, lambda folder=folder: self.chosen.emit(folder))

    def ask_file(self) -> None:
        path, _chosen_filter = QFileDialog.getOpenFileName(
            self.parentWidget(), _("Open a trained model"), "", _("Keras model (*.keras)")
        )
        if path:
            self.chosen.emit(path)
