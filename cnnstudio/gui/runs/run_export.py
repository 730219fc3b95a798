"""The run browser's Export tab: pick a format, export on a worker thread, show progress and the
check.

`export_run` (engine) writes the model as SavedModel, .keras, TFLite or ONNX, reloads it and
compares its outputs with the trained model on real validation images; a conversion takes
seconds, so it runs on `ExportThread`, which reports only through signals. An export cannot be
interrupted: the closing window waits for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.use.export_readme import weights_text
from cnnstudio.gui.workers import Worker
from cnnstudio.i18n import N_, _

# export_run's `weights`, as the combo box offers them.
WEIGHT_CHOICES = (("final", N_("Final model")), ("best", N_("Best epoch (checkpoint)")))

EXPORT_FORMATS = (
    ("SavedModel", "savedmodel"),
    ("Keras (.keras)", "keras"),
    ("TFLite", "tflite"),
    ("ONNX", "onnx"),
)


class ExportThread(Worker):
    """`export_run` off the GUI thread; `progress(str)`, then `done(ExportResult)` or
    `failed(message)`."""

    progress = Signal(str)
    done = Signal(object)
    stop_timeout_ms = 600_000  # converting a large model to ONNX or TFLite takes minutes

    def __init__(self, run_dir: Path, fmt: str, weights: str = "final", parent: Any = None) -> None:
        super().__init__("exportThread", parent)
        self.run_dir, self.fmt, self.weights = run_dir, fmt, weights

    def work(self) -> None:  # worker thread: touches no widget
        from cnnstudio.engine.store.runs import Run
        from cnnstudio.engine.use.export import export_run

        self.done.emit(
            export_run(
                Run(self.run_dir), self.fmt, progress=self.progress.emit, weights=self.weights
            )
        )

    def describe_error(self, error: Exception) -> str:
        # ExportError, ValueError, a converter's own error: their messages say it all.
        return str(error) or type(error).__name__


class ExportPanel(QWidget):
    """Exports the run given by `set_run`; one export at a time."""

    exported = Signal()  # an export ended (its outcome is in the log)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportPage")
        self.run: tuple[str, Path] | None = None  # (run id, folder)
        self._thread: ExportThread | None = None
        self.format_combo = QComboBox(objectName="exportFormatCombo")
        self.format_combo.setAccessibleName(_("Export format"))
        for title, fmt in EXPORT_FORMATS:
            self.format_combo.addItem(title, fmt)
        # The final model.keras, or the best validation accuracy's checkpoint; either way the
        # export's metadata.json and README say which epoch it holds.
        self.weights_combo = QComboBox(objectName="exportWeightsCombo")
        self.weights_combo.setAccessibleName(_("Which epoch's weights to export"))
        for weights, label in WEIGHT_CHOICES:
            self.weights_combo.addItem(_(label), weights)
        self.export_button = QPushButton(_("Export"), objectName="exportRunButton")
        self.export_button.setAccessibleName(_("Export the selected run"))
        self.export_button.clicked.connect(lambda: self.start())
        self.log = QPlainTextEdit(objectName="exportLog", readOnly=True)
        self.log.setAccessibleName(_("Export progress and result"))
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Format")))
        row.addWidget(self.format_combo)
        row.addWidget(QLabel(_("Weights")))
        row.addWidget(self.weights_combo)
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.log, 1)
        self.set_run(None)

    def busy(self) -> bool:
        return self._thread is not None

    def set_run(self, run: tuple[str, Path] | None) -> None:
        self.run = run
        self.export_button.setEnabled(run is not None and not self.busy())
        self.export_button.setToolTip("" if run is not None else _("Select one run to export it"))

    def start(self, fmt: str | None = None) -> bool:
        if self.run is None or self.busy():
            return False
        run_id, folder = self.run
        fmt = fmt or self.format_combo.currentData()
        weights = self.weights_combo.currentData()
        which = _("the best epoch") if weights == "best" else _("the final model")
        self.log.setPlainText(
            _("Exporting {which} of {run_id} as {fmt}…").format(which=which, run_id=run_id, fmt=fmt)
        )
        thread = ExportThread(folder, fmt, weights, self)
        thread.progress.connect(self.log.appendPlainText)
        thread.done.connect(self._on_done)
        thread.failed.connect(self._on_failed)
        thread.finished.connect(self._on_finished)
        self._thread = thread
        self.export_button.setEnabled(False)
        thread.start()
        return True

    def _on_done(self, result: Any) -> None:
        verdict = "OK" if result.ok else "MISMATCH"
        self.log.appendPlainText(
            f"{verdict}: {result.message}\nRound trip: largest difference "
            f"{result.max_abs_diff:.3g} on {result.samples} images (tolerance "
            f"{result.tolerance:g}), {result.seconds:.1f} s\n"
            f"Weights: {weights_text(result.metadata.get('weights') or {})}"
        )

    def _on_failed(self, text: str) -> None:
        self.log.appendPlainText(f"FAILED: {text}")

    def _on_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.deleteLater()
        self.set_run(self.run)
        self.exported.emit()

    def wait(self) -> None:
        """An export cannot be interrupted: the window waits for it before closing."""
        if self._thread is not None:
            self._thread.wait_for()
