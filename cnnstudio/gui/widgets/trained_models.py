"""Choosing a trained model: one list of choices, one file dialog, one way to refuse, for every
view that works on a trained model (the pad, the layer graph, and the coming evaluation and
Grad-CAM views).

The choices are the bundled LeNet-5 (where the view can use it and this installation has it),
the runs of the store that are usable (`FINISHED`: finished with a model.keras, as the pad and
`cnnstudio predict latest` want; `WITH_MODEL`: any run that saved one, as the graph takes to
inspect), newest first, and .keras files the person opened. Two presentations of them:

* `TrainedModelChooser`: a combo, an "Open .keras…" button and the model in use, for a view
  that keeps one model (the pad). The view loads a choice on its worker, then `set_current`, or
  `refuse(source, reason)`, so the combo always names the model that answers;
* `TrainedModelMenu`: a menu, for a button that opens a model once (the graph's "Open trained…");
* `RunChooser`: a combo of runs only, for a view that needs what a run knows besides its model
  (the evaluation view: the run's own validation split).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QWidget,
)

from cnnstudio.engine.store.runs import MODEL_FILE, RunStore, RunSummary
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.i18n import _

BUNDLED, RUN, FILE = "bundled", "run", "file"
RUNS_SHOWN = 15  # a menu longer than a screen helps no one; the run browser lists them all
_ASK_FILE = "ask-file"  # the data of the menu's "A .keras file…" action


def _bundled_label() -> str:
    return _("Bundled LeNet-5")


@dataclass(frozen=True)
class ModelSource:
    """Where a trained model comes from: the bundled LeNet-5, a run (its folder) or a .keras
    file (its path). Two sources are the same model when kind and location are: the label is
    only what a person reads."""

    kind: str = BUNDLED
    location: str = ""  # the run's folder, or the file's path
    label: str = field(default_factory=_bundled_label, compare=False)


def FINISHED(summary: RunSummary) -> bool:
    """A run whose training ended well and saved its model: one to use."""
    return summary.status == "finished" and (Path(summary.path) / MODEL_FILE).is_file()


def WITH_MODEL(summary: RunSummary) -> bool:
    """Any run that saved a model (stopped and failed runs save theirs): one to inspect."""
    return (Path(summary.path) / MODEL_FILE).is_file()


def run_label(summary: RunSummary) -> str:
    # One whole sentence per case (a status other than finished, an accuracy), for translators.
    has_status = summary.status != "finished"
    has_accuracy = summary.best_val_accuracy is not None
    if has_status and has_accuracy:
        text = _("Run {name} ({model}, {status}, val acc {accuracy:.1f}%)")
    elif has_status:
        text = _("Run {name} ({model}, {status})")
    elif has_accuracy:
        text = _("Run {name} ({model}, val acc {accuracy:.1f}%)")
    else:
        text = _("Run {name} ({model})")
    return text.format(
        name=summary.display_name,
        model=summary.model,
        status=status_name(summary.status),
        accuracy=100 * (summary.best_val_accuracy or 0.0),
    )


def run_choices(
    store: RunStore, usable: Callable[[RunSummary], bool] = FINISHED, limit: int | None = None
) -> list[ModelSource]:
    """The usable runs as sources, newest first (raises OSError for an unreadable store)."""
    sources = []
    for summary in reversed(store.summaries()):
        if usable(summary):
            sources.append(ModelSource(RUN, str(summary.path), run_label(summary)))
        if limit is not None and len(sources) == limit:
            break
    return sources


def bundled_model() -> Path | None:
    """The LeNet-5 shipped with the app, trained on MNIST, if this installation has it."""
    # Here, not at the top: the recognizer module imports NumPy, which a window need not wait for.
    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    path = bundled_model_path()
    return path if path.is_file() else None


def file_source(path: str | Path) -> ModelSource:
    path = Path(path)
    return ModelSource(FILE, str(path), _("File {name}").format(name=path.name))


def source_of(location: str | Path) -> ModelSource:
    """The source for a location another view holds: a run folder, the bundled model's file, or
    any other .keras file."""
    from cnnstudio.engine.store.runs import Run, is_run_folder

    path = Path(location)
    bundled = bundled_model()
    if bundled is not None and path == bundled:
        return ModelSource()
    if path.is_dir() and is_run_folder(path):
        return ModelSource(RUN, str(path), _("Run {name}").format(name=Run(path).id))
    return file_source(path)


def ask_model_file(parent: QWidget | None) -> ModelSource | None:
    """A .keras file the person picks (None: cancelled). Opened later, in safe mode."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, _("Open a trained model"), "", _("Keras models (*.keras)")
    )
    return file_source(name) if name else None


class TrainedModelChooser(QWidget):
    """Combo of choices + "Open .keras…" + the model in use; `sourceChosen(ModelSource)`."""

    sourceChosen = Signal(object)

    def __init__(
        self,
        store: RunStore,
        parent: QWidget | None = None,
        *,
        usable: Callable[[RunSummary], bool] = FINISHED,
        bundled: bool = True,
        name: str = "trainedModelChooser",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.store = store
        self._usable = usable
        self._bundled = bundled
        self.current = ModelSource() if bundled else ModelSource(FILE, "", "")
        self.refusal = ""  # why the last choice was refused ("" after one was taken)
        self._files: list[ModelSource] = []
        self.combo = QComboBox(objectName=f"{name}Combo")
        self.combo.setAccessibleName(_("Trained model"))
        self.combo.setMinimumContentsLength(28)
        self.combo.activated.connect(self._on_activated)
        self.open_button = QPushButton(_("Open .keras…"), objectName=f"{name}OpenButton")
        self.open_button.setAccessibleName(_("Open a .keras model file"))
        self.open_button.clicked.connect(self._ask_file)
        self.description = QLabel(_("Loading the model…"), objectName=f"{name}Description")
        self.description.setAccessibleName(_("Model in use"))
        self.description.setWordWrap(True)  # a long run name wraps, never widens the window
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
        sources = [ModelSource()] if self._bundled and bundled_model() is not None else []
        try:
            sources += run_choices(self.store, self._usable)
        except OSError as error:  # an unreadable runs folder: say so, keep the rest
            self.combo.setToolTip(_("Runs unavailable: {error}").format(error=error))
        sources += [source for source in self._files if source not in sources]
        in_use = self.current.location or self.current.kind == BUNDLED
        if in_use and self.current not in sources:
            sources.append(self.current)
        self.combo.blockSignals(True)
        self.combo.clear()
        for source in sources:
            self.combo.addItem(source.label, source)
        self.combo.blockSignals(False)
        self.revert()

    def choose(self, source: ModelSource) -> None:
        """Ask for a model (the view loads it); a file is remembered in the list."""
        if source not in self.sources():
            if source.kind == FILE:
                self._files.append(source)
            self.combo.addItem(source.label, source)
        self.combo.setCurrentIndex(self.sources().index(source))
        self.sourceChosen.emit(source)

    def choose_file(self, path: str | Path) -> None:
        self.choose(file_source(path))

    def set_current(self, source: ModelSource, description: str) -> None:
        """`source` is in use now; `description` says what it is."""
        self.current = source
        self.refusal = ""
        self.description.setText(description)
        self.description.setToolTip(source.location or description)
        self.revert()

    def refuse(self, source: ModelSource, reason: str) -> str:
        """`source` could not be used: the combo goes back to the model in use, the refused one
        stays offered (to retry after fixing the file). Returns the sentence to show."""
        self.refusal = _("Cannot use {model}: {reason}").format(model=source.label, reason=reason)
        self.revert()
        return self.refusal

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
        source = ask_model_file(self)
        if source is not None:
            self.choose(source)


class TrainedModelMenu(QMenu):
    """ "A .keras file…", the bundled LeNet-5, then the newest usable runs (refilled each time it
    opens); `chosen(ModelSource)`, with the bundled model's file as its location."""

    chosen = Signal(object)

    def __init__(
        self,
        store: RunStore,
        parent: QWidget | None = None,
        *,
        usable: Callable[[RunSummary], bool] = WITH_MODEL,
        bundled: bool = True,
        limit: int = RUNS_SHOWN,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trainedModelMenu")
        self._store = store
        self._usable, self._bundled, self._limit = usable, bundled, limit
        self.aboutToShow.connect(self.refill)
        self.triggered.connect(self._on_triggered)

    def refill(self) -> None:
        self.clear()
        self.addAction(_("A .keras file…")).setData(_ASK_FILE)
        bundled = bundled_model() if self._bundled else None
        if bundled is not None:
            action = self.addAction(_("The bundled LeNet-5 (trained on MNIST)"))
            action.setData(ModelSource(BUNDLED, str(bundled)))
        try:
            runs = run_choices(self._store, self._usable, self._limit)
        except OSError as error:  # an unreadable runs folder: say so here, go on
            self.addAction(_("Runs unavailable: {error}").format(error=error)).setEnabled(False)
            return
        if runs:
            self.addSeparator()
        for source in runs:
            self.addAction(source.label).setData(source)

    def _on_triggered(self, action: QAction) -> None:
        # One slot reading the action's data, not a lambda per action: PySide may tell lambdas
        # that call the same method of `self` apart by that method alone.
        data = action.data()
        if data == _ASK_FILE:
            self.ask_file()
        elif isinstance(data, ModelSource):
            self.choose(data)

    def ask_file(self) -> None:
        source = ask_model_file(self.parentWidget())
        if source is not None:
            self.choose(source)

    def choose(self, source: ModelSource) -> None:
        """Emit the choice (a view that wants only the location overrides this)."""
        self.chosen.emit(source)


class RunChooser(QComboBox):
    """The usable runs of a store, newest first; `runChosen(ModelSource | None)` when the choice
    changes. `refresh()` keeps the chosen run (by folder) while it is still listed."""

    runChosen = Signal(object)

    def __init__(
        self,
        store: RunStore,
        parent: QWidget | None = None,
        *,
        usable: Callable[[RunSummary], bool] = WITH_MODEL,
        name: str = "runChooser",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(_("Run"))
        self.store = store
        self._usable = usable
        # A long run name must not widen the window: the combo shows about this many characters.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        self.setPlaceholderText(_("No run has saved a model yet"))
        self.currentIndexChanged.connect(lambda _index: self.runChosen.emit(self.current()))
        self.refresh()

    def current(self) -> ModelSource | None:
        source = self.currentData()
        return source if isinstance(source, ModelSource) else None

    def refresh(self) -> None:
        """Re-list the runs (one finished, was renamed or deleted); the choice stays if listed."""
        chosen = self.current()
        try:
            sources = run_choices(self.store, self._usable)
            self.setToolTip("")
        except OSError as error:  # an unreadable runs folder: say so, list nothing
            sources = []
            self.setToolTip(_("Runs unavailable: {error}").format(error=error))
        self.blockSignals(True)
        self.clear()
        for source in sources:
            self.addItem(source.label, source)
        locations = [source.location for source in sources]
        # With a placeholder text the combo chooses nothing by itself: the newest run, else.
        if chosen is not None and chosen.location in locations:
            self.setCurrentIndex(locations.index(chosen.location))
        else:
            self.setCurrentIndex(0 if sources else -1)
        self.blockSignals(False)
        if self.current() != chosen:
            self.runChosen.emit(self.current())

    def select_run(self, folder: str | Path) -> bool:
        """Choose the run in `folder` (re-listing once if it is new); False if it is not usable."""
        for attempt in range(2):
            for index in range(self.count()):
                source = self.itemData(index)
                if Path(source.location) == Path(folder):
                    self.setCurrentIndex(index)
                    return True
            if attempt == 0:
                self.refresh()
        return False


__all__ = [
    "BUNDLED",
    "FILE",
    "FINISHED",
    "RUN",
    "WITH_MODEL",
    "ModelSource",
    "RunChooser",
    "TrainedModelChooser",
    "TrainedModelMenu",
    "ask_model_file",
    "bundled_model",
    "run_choices",
    "source_of",
]
