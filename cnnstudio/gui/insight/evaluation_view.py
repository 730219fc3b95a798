"""The "evaluate" view: what a trained run gets right and wrong, and the images behind it.

A run that saved a model, the data to evaluate it on (its own validation split by default, a
registered data set, or an image folder), Evaluate. The engine (`evaluate_run`) runs on an
`EvaluationWorker` once the engine has loaded, caches its figures in the run folder, and hands
back the evaluated split too, so the gallery shows the very images that were evaluated.

Results, in tabs that fit 1024 x 700: the summary (headline figures, a sortable per-class
table), the confusion matrix beside the gallery of a clicked cell, the hardest examples or the
suspect labels, and the reliability diagram beside the precision-recall curves.

A refusal (data of other classes, no images, no model, a data set not downloaded) is said once in
the message line, and cleared when the run or the data changes or a new evaluation starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.data.datasets import list_datasets
from cnnstudio.engine.insight.galleries import FiguresError, confusion_counts, read_predictions
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.insight.curves import PrecisionRecallChart, ReliabilityDiagram
from cnnstudio.gui.insight.errors_panel import ErrorsPanel
from cnnstudio.gui.insight.evaluation_worker import (
    EvaluationRequest,
    EvaluationWorker,
    ThumbnailLoader,
)
from cnnstudio.gui.insight.summary_panel import SummaryPanel
from cnnstudio.gui.widgets.trained_models import RunChooser
from cnnstudio.i18n import _

_ASK_FOLDER = "ask-folder"  # the data of the "Image folder…" entry
_ERROR_STYLE = "color: #b00020;"


def refusal_text(code: str, values: dict[str, Any], message: str) -> str:
    """The sentence for an EvaluationDataError, made here from its code and values."""
    if code == "class_count_mismatch":
        return _(
            "This data has {data_classes} classes but the model predicts {model_classes}: "
            "choose data with the classes the run was trained on."
        ).format(
            data_classes=values.get("data_classes", "?"),
            model_classes=values.get("model_classes", "?"),
        )
    if code == "no_images":
        return _("There are no images to evaluate in {data}.").format(data=values.get("data", ""))
    if code == "label_out_of_range":
        return _("A label of this data lies beyond the model's classes.")
    return _("Cannot evaluate: {reason}").format(reason=message)


class EvaluationView(QWidget):
    # An evaluation was shown (fresh or cached), or ended without one: for tests and scripts.
    evaluationShown = Signal()
    evaluationEnded = Signal()
    # An image of the galleries to explain with the run's model: (run folder, kind, value, label)
    explainRequested = Signal(str, str, object, str)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationView")
        self.setAccessibleName(_("Evaluation view"))
        self.context = context
        self.worker: EvaluationWorker | None = None
        self.outcome: Any = None  # the RunEvaluation shown
        self.figures: dict[str, Any] = {}
        self._folders: list[str] = []
        self._pending = False  # evaluate as soon as the engine is ready (asked from the runs)
        self._recompute = False  # the cached figures could not be shown: ignore the cache once
        self._asked: tuple[str, str | None] | None = None  # (run, data) being evaluated
        self._shown: tuple[str, str | None] | None = None  # (run, data) of the figures shown
        self._stopped = False  # the last evaluation was stopped by the person
        self.thumbnails = ThumbnailLoader(self)
        self._build()
        context.runsChanged.connect(self.runs.refresh)
        context.engineReady.connect(self._on_engine_ready)
        context.engineFailed.connect(self._on_engine_failed)
        self._update_state()

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.runs = RunChooser(self.context.run_store, name="evaluationRunChooser")
        self.runs.runChosen.connect(lambda _source: self._changed())
        self.data = QComboBox(objectName="evaluationDataChoice")
        self.data.setAccessibleName(_("Data to evaluate on"))
        self.data.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.data.setMinimumContentsLength(20)
        self.data.addItem(_("The run's validation split"), None)
        for info in list_datasets():
            self.data.addItem(_("{title} (validation)").format(title=_(info.title)), info.name)
        self.data.addItem(_("Image folder…"), _ASK_FOLDER)
        self.data.activated.connect(self._on_data_activated)
        self.data.currentIndexChanged.connect(lambda _index: self._changed())
        self._data_index = 0  # the last choice that was not "Image folder…"
        self.evaluate_button = QPushButton(_("Evaluate"), objectName="evaluateButton")
        self.evaluate_button.clicked.connect(self._on_button)
        self.progress = QProgressBar(objectName="evaluationProgress")
        self.progress.setAccessibleName(_("Evaluation progress"))
        self.progress.setFormat(_("%v / %m images"))
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel(objectName="evaluationStatus", wordWrap=True)
        self.status.setAccessibleName(_("Evaluation status"))
        self.message = QLabel(objectName="evaluationMessage", wordWrap=True)
        self.message.setAccessibleName(_("Evaluation message"))
        self.message.setStyleSheet(_ERROR_STYLE)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        top = QGridLayout()
        top.addWidget(QLabel(_("Run")), 0, 0)
        top.addWidget(self.runs, 0, 1, 1, 3)
        top.addWidget(QLabel(_("Data")), 1, 0)
        top.addWidget(self.data, 1, 1)
        top.addWidget(self.evaluate_button, 1, 2)
        top.addWidget(self.progress, 1, 3)
        top.setColumnStretch(1, 3)
        top.setColumnStretch(3, 2)
        top.addWidget(self.status, 2, 0, 1, 4)
        top.addWidget(self.message, 3, 0, 1, 4)

        self.summary = SummaryPanel()
        self.errors = ErrorsPanel(self.thumbnails)
        self.errors.explainRequested.connect(self._explain)
        self.reliability = ReliabilityDiagram()
        self.pr_curves = PrecisionRecallChart()
        curves = QSplitter(Qt.Orientation.Horizontal, objectName="curvesSplitter")
        curves.addWidget(self.reliability)
        curves.addWidget(self.pr_curves)
        curves.setChildrenCollapsible(False)
        self.tabs = QTabWidget(objectName="evaluationTabs")
        self.tabs.addTab(self.summary, _("Summary"))
        self.tabs.addTab(self.errors, _("Confusion and images"))
        self.tabs.addTab(curves, _("Calibration and precision-recall"))
        self.empty = QLabel(
            _(
                "Choose a run and the data to evaluate it on, then press Evaluate: the figures, "
                "the confusion matrix and the images behind each error appear here."
            ),
            objectName="evaluationEmpty",
            wordWrap=True,
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.results = QStackedWidget(objectName="evaluationResults")
        self.results.addWidget(self.empty)
        self.results.addWidget(self.tabs)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.results, 1)

    # -- choices --------------------------------------------------------------------------------

    def data_choice(self) -> str | None:
        data = self.data.currentData()
        return None if data == _ASK_FOLDER else data

    def choose_folder(self, folder: str | Path) -> None:
        """Evaluate on this image folder (as if picked with "Image folder…")."""
        folder = str(folder)
        if folder not in self._folders:
            self._folders.append(folder)
            self.data.insertItem(
                self.data.count() - 1, _("Folder {name}").format(name=Path(folder).name), folder
            )
            self.data.setItemData(self.data.count() - 2, folder, Qt.ItemDataRole.ToolTipRole)
        self.data.setCurrentIndex(self.data.findData(folder))
        self._data_index = self.data.currentIndex()

    def choose_data(self, data: str | None) -> None:
        """Evaluate on a registered data set's name, or None: the run's own validation split."""
        self.data.setCurrentIndex(max(0, self.data.findData(data)))
        self._data_index = self.data.currentIndex()

    def _on_data_activated(self, index: int) -> None:
        if self.data.itemData(index) != _ASK_FOLDER:
            self._data_index = index
            return
        folder = QFileDialog.getExistingDirectory(self, _("Image folder to evaluate on"))
        if folder:
            self.choose_folder(folder)
        else:
            self.data.setCurrentIndex(self._data_index)  # cancelled: the last choice stays

    def _explain(self, kind: str, value: object, label: str) -> None:
        if self._shown is not None:
            self.explainRequested.emit(self._shown[0], kind, value, label)

    def open_run(self, folder: str | Path) -> bool:
        """Evaluate the run in `folder` (the run browser's Evaluate): chosen here, evaluated now
        or as soon as the engine has loaded."""
        if not self.runs.select_run(folder):
            self.show_message(_("This run has no saved model to evaluate."))
            return False
        self.choose_data(None)
        self._pending = True
        self._start_pending()
        return True

    def choice(self) -> tuple[str, str | None] | None:
        """(run folder, data) chosen now; None without a run."""
        source = self.runs.current()
        return None if source is None else (source.location, self.data_choice())

    def _changed(self) -> None:
        """The run or the data changed: a message was about the last choice, and figures of
        another run or data would read as this one's."""
        self.show_message("")
        if self.figures and self._shown != self.choice():
            self.clear_results()
        self._update_state()

    def clear_results(self) -> None:
        self.outcome, self.figures, self._shown = None, {}, None
        self.results.setCurrentWidget(self.empty)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._update_state()

    # -- evaluation -----------------------------------------------------------------------------

    def is_evaluating(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _on_button(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.evaluate_button.setEnabled(False)  # until the batch in hand ends
        else:
            self.evaluate()

    def evaluate(self) -> bool:
        """Evaluate the chosen run on the chosen data; False when it cannot start now."""
        choice = self.choice()
        if self.worker is not None or choice is None or not self.context.engine_ready:
            return False
        self.show_message("")
        self._asked, self._stopped = choice, False
        request = EvaluationRequest(*choice, use_cache=not self._recompute)
        self.worker = EvaluationWorker(request, self)
        self.worker.progressed.connect(self._on_progress)
        self.worker.evaluated.connect(self.show_evaluation)
        self.worker.refused.connect(self._on_refused)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_finished)
        self.progress.setRange(0, 0)  # busy until the data is loaded and the total known
        self.status.setText(_("Loading the model and the data…"))
        self.worker.start()
        self._update_state()
        return True

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        self.status.setText(_("Evaluating {total} images…").format(total=total))

    def show_evaluation(self, outcome: Any) -> bool:
        """Show a `RunEvaluation` (figures, cached, split); False when its figures are damaged."""
        figures = outcome.figures
        try:
            predictions = read_predictions(figures)
            counts = confusion_counts(figures)
        except FiguresError as error:
            self._recompute = True
            self.show_message(
                _(
                    "The evaluation's figures cannot be shown ({reason}); evaluate again to "
                    "compute them anew."
                ).format(reason=error)
            )
            return False
        self._recompute = False
        self.outcome, self.figures = outcome, figures
        self._shown = self._asked if self.worker is not None else self.choice()
        images = outcome.split.images if outcome.split is not None else None
        self.summary.show_figures(figures)
        self.errors.show_evaluation(figures, predictions, counts, images)
        self.reliability.set_bins(figures.get("reliability"), figures.get("calibration_error"))
        self.pr_curves.set_curves(figures.get("pr_curves"), figures.get("class_names") or [])
        self.results.setCurrentWidget(self.tabs)
        self.status.setText(self._status_text(outcome))
        self.evaluationShown.emit()
        return True

    def _status_text(self, outcome: Any) -> str:
        figures = outcome.figures
        data = figures.get("data") if isinstance(figures.get("data"), dict) else {}
        what = _("{data} ({split})").format(
            data=Path(str(data.get("dataset", "?"))).name or data.get("dataset", "?"),
            split=_("validation split") if data.get("split") == "validation" else _("all images"),
        )
        count, seconds = len(figures.get("predictions") or []), figures.get("seconds") or 0.0
        if outcome.cached:
            return _(
                "{count} images of {data}: from the cache (evaluated in {seconds:.1f} s)"
            ).format(count=count, data=what, seconds=seconds)
        return _("{count} images of {data}: evaluated in {seconds:.1f} s").format(
            count=count, data=what, seconds=seconds
        )

    def _on_refused(self, code: str, values: object, message: str) -> None:
        self.show_message(refusal_text(code, values if isinstance(values, dict) else {}, message))

    def _on_failed(self, message: str) -> None:
        self.show_message(_("Cannot evaluate: {reason}").format(reason=message))

    def _on_finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self.progress.setRange(0, max(1, self.progress.maximum()))
        self._update_state()
        # The status tells what is shown now: the figures (of this or, after a refusal, of the
        # last evaluation), or why there are none.
        if self._stopped:
            self.status.setText(_("Evaluation stopped."))
        elif self.outcome is not None:
            self.status.setText(self._status_text(self.outcome))
        else:
            self.status.setText(self._idle_text())
        self.evaluationEnded.emit()

    def _on_cancelled(self) -> None:
        self._stopped = True

    # -- messages and state ---------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """One message at a time; empty text hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _idle_text(self) -> str:
        if self.context.engine_error:
            return _("Evaluation needs the engine, which did not load.")
        if not self.context.engine_ready:
            return _("The engine is loading; evaluation can start once it is ready.")
        if self.runs.current() is None:
            return _("No run has saved a model yet: train one in the Training view.")
        return _("Choose the data, then press Evaluate.")

    def _update_state(self) -> None:
        busy = self.worker is not None
        self.evaluate_button.setText(_("Stop") if busy else _("Evaluate"))
        ready = self.context.engine_ready and self.runs.current() is not None
        self.evaluate_button.setEnabled(busy or ready)
        self.runs.setEnabled(not busy)
        self.data.setEnabled(not busy)
        if not busy and not self.figures:
            self.status.setText(self._idle_text())

    def _start_pending(self) -> None:
        if self._pending and self.context.engine_ready and self.worker is None:
            self._pending = False
            self.evaluate()

    def _on_engine_ready(self) -> None:
        self._update_state()
        self._start_pending()

    def _on_engine_failed(self, _reason: str) -> None:
        self._update_state()

    def shutdown(self) -> None:
        """The window is closing: stop the evaluation between batches, and the thumbnails."""
        for worker in (self.worker, self.thumbnails):
            if worker is not None:
                worker.stop_and_wait()
