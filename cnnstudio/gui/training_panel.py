"""The training view: hyperparameters, Train / Pause / Stop, progress, live charts, the outcome.

The panel builds a session on the GUI thread and hands it to a `TrainingController`, which runs it
on a QThread; events come back as queued signals and only update plain data (`RunSeries`) and a
few labels; the chart redraws itself at a bounded rate. Neither TensorFlow (the session module)
nor matplotlib (the chart) is imported when the panel is built: the session when training starts,
the chart on a background thread once the engine has loaded (it takes over a second).
"""

from __future__ import annotations

import math
import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.events import BatchEnd, EpochEnd, RunFailed, RunFinished, RunStarted
from cnnstudio.gui.chart_data import RunSeries
from cnnstudio.gui.context import StudioContext
from cnnstudio.gui.training_form import TrainingForm
from cnnstudio.gui.training_worker import TrainingController

# Redraws per second of the live chart. Each costs 8-16 ms of GUI-thread Python here (about 0.6
# ms per line, plus the copy to the screen), time the training thread partly waits for on the
# GIL; 5 a second keep the curves fluid and the training within a few percent of headless.
LIVE_CHART_FPS = 5.0

_charts_loaded = threading.Event()
_charts_lock = threading.Lock()
_charts_thread: threading.Thread | None = None


def preload_charts() -> None:
    """Import matplotlib and the chart module on a background thread (once)."""
    global _charts_thread

    def load() -> None:
        import cnnstudio.gui.charts  # noqa: F401

        _charts_loaded.set()

    with _charts_lock:
        if _charts_thread is None:
            _charts_thread = threading.Thread(target=load, name="chart-preload")
            _charts_thread.start()


class TrainingPanel(QWidget):
    """The "training" view. `is_training()`, `stop_and_wait()` and the window's close hooks."""

    trainingFinished = Signal(object)  # RunResult (or None) after a run ends

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.setAccessibleName("Training view")
        self.context = context
        self.chart: Any = None  # charts.TrainingChart once matplotlib has loaded
        self.series: RunSeries | None = None
        self.run_id: str | None = None  # the run training or last trained
        self.status = "idle"  # idle / starting / running / paused / finished / stopped / failed
        self.reason: str | None = None
        self._speed = 0.0  # images per second, smoothed
        self._batch_size = 1
        self._steps = 1
        self.controller = TrainingController(self)
        self.controller.event.connect(self._on_event)
        self.controller.finished.connect(self._on_finished)
        # Replaced in tests: asks whether to stop a run to close the window.
        self.ask_stop = self._ask_stop

        self.form = TrainingForm(context)
        self.form.changed.connect(self._update_controls)
        self._build()
        context.selectionChanged.connect(self._update_controls)
        context.engineReady.connect(self._on_engine_ready)
        if context.engine_ready:
            self._on_engine_ready()
        self._update_controls()

    def _build(self) -> None:
        group = QGroupBox("Hyperparameters", objectName="hyperparameterGroup")
        QVBoxLayout(group).addWidget(self.form)
        self.train_button = self._button("Train", "trainButton", self.start_training)
        self.pause_button = self._button("Pause", "pauseButton", self._toggle_pause)
        self.pause_button.setCheckable(True)
        self.stop_button = self._button("Stop", "stopButton", self.stop)
        buttons = QHBoxLayout()
        for button in (self.train_button, self.pause_button, self.stop_button):
            buttons.addWidget(button)
        self.reason_label = self._label("trainReasonLabel", "Why Train is unavailable")
        self.reason_label.setStyleSheet("color: #b00020;")
        left = QVBoxLayout()
        left.addWidget(group)
        left.addLayout(buttons)
        left.addWidget(self.reason_label)
        left.addStretch(1)

        self.status_label = self._label("runStatusLabel", "Run status")
        self.status_label.setText("Ready when you are: pick a model and data set, then Train.")
        self.progress = QProgressBar(objectName="trainingProgress")
        self.progress.setAccessibleName("Training progress")
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setValue(0)
        self.error_label = self._label("trainingErrorLabel", "Training error")
        self.error_label.setStyleSheet(
            "background: #fdecea; color: #8a1c1c; border: 1px solid #e0a0a0; padding: 6px;")
        self.error_label.hide()
        self.chart_placeholder = QLabel("The charts load with the engine…",
                                        objectName="chartPlaceholder")
        self.chart_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._right = QVBoxLayout()
        for widget in (self.status_label, self.progress, self.error_label):
            self._right.addWidget(widget)
        self._right.addWidget(self.chart_placeholder, 1)

        layout = QHBoxLayout(self)
        side = QWidget(objectName="trainingSide")
        side.setLayout(left)
        side.setFixedWidth(300)
        layout.addWidget(side)
        layout.addLayout(self._right, 1)

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    @staticmethod
    def _label(name: str, accessible: str) -> QLabel:
        label = QLabel(objectName=name)
        label.setAccessibleName(accessible)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # -- engine and chart -----------------------------------------------------------------------

    def _on_engine_ready(self) -> None:
        status = self.context.engine_status
        if status is not None and getattr(status, "devices", None):
            self.form.set_devices(list(status.devices))
        preload_charts()
        self._request_chart()
        self._update_controls()

    def _request_chart(self) -> None:
        """Build the chart once matplotlib has loaded, without ever waiting for it here."""
        if self.chart is not None:
            return
        preload_charts()
        if not _charts_loaded.is_set():
            QTimer.singleShot(100, self._request_chart)
            return
        from cnnstudio.gui.charts import TrainingChart

        self.chart = TrainingChart(self, max_fps=LIVE_CHART_FPS)
        self._right.replaceWidget(self.chart_placeholder, self.chart)
        self._update_controls()
        self.chart_placeholder.deleteLater()
        if self.series is not None:
            self.chart.add_series(self.series)

    def is_ready(self) -> bool:
        """For the window's screenshot mode: the engine and the chart are there."""
        return self.context.engine_ready and self.chart is not None

    # -- controls -------------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self.controller.is_running()

    def _update_controls(self) -> None:
        training = self.is_training()
        valid = self.form.validate()
        if valid and not training and self.chart is not None:
            values = self.form.values()
            self.chart.set_planned(values["epochs"], values["learning_rate"])
        # A bad field is named even before the engine loads: the person can fix it meanwhile.
        if training:
            reason = ""
        elif not valid:
            reason = f"Cannot train: {self.form.error}"
        elif not self.context.engine_ready:
            reason = "Train is available once the engine has loaded."
        else:
            reason = ""
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))
        self.train_button.setEnabled(not training and valid and self.context.engine_ready)
        self.train_button.setToolTip(reason or "Start training with these settings")
        self.pause_button.setEnabled(training)
        self.stop_button.setEnabled(training)
        self.form.set_enabled(not training)

    def start_training(self) -> bool:
        """Start a new run with the form's settings; False (and the reason shown) if it can't."""
        if self.is_training() or not self.form.validate() or not self.context.engine_ready:
            self._update_controls()
            return False
        from cnnstudio.engine.session import TrainingSession

        try:
            session = TrainingSession(self.form.config(), None, self.context.run_store)
        except ValueError as error:
            self._show_error(str(error))
            return False
        self._start(session, f"Starting {session.config.model} on {session.config.dataset}…")
        return True

    def resume_run(self, run_id: str, epochs: int | None = None) -> bool:
        """Continue a stopped, failed or interrupted run (from the run browser)."""
        if self.is_training():
            self._show_error("A run is training: stop it before resuming another.")
            return False
        from cnnstudio.engine.session import TrainingSession

        try:
            session = TrainingSession.resume_run(run_id, None, self.context.run_store,
                                                 epochs=epochs)
        except ValueError as error:
            self._show_error(str(error))
            return False
        self.form.set_values(session.config)
        self.context.viewRequested.emit("training")
        self._start(session, f"Resuming {run_id}…")
        return True

    def _start(self, session: Any, message: str) -> None:
        self.error_label.hide()
        self.run_id = None
        self.status, self.reason = "starting", None
        self.status_label.setText(message)
        self.progress.setRange(0, 0)  # busy until the first batch: data, model, calibration
        self._speed = 0.0
        self._request_chart()
        self.controller.start(session)
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self._update_controls()

    def _toggle_pause(self, checked: bool) -> None:
        if checked:
            self.controller.pause()
            self.status = "paused"
            self.status_label.setText("Paused after the current group of batches. "
                                      "Resume to continue.")
        else:
            self.controller.resume()
            self.status = "running"
        self.pause_button.setText("Resume" if checked else "Pause")

    def stop(self) -> None:
        if self.is_training():
            self.controller.stop()
            self.status_label.setText("Stopping after the current group of batches…")

    def stop_and_wait(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread (the model and last checkpoint are kept).
        True when no training is left running."""
        if not self.is_training():
            return True
        self.controller.stop()
        return self.controller.wait(timeout_ms)

    # -- preferences (the window calls these with its QSettings) -------------------------------

    def restore_settings(self, settings: Any) -> None:
        from cnnstudio.gui.settings import read_json

        values = read_json(settings, "training/form", {})
        if isinstance(values, dict):
            self.form.set_texts(values)

    def save_settings(self, settings: Any) -> None:
        from cnnstudio.gui.settings import write_json

        write_json(settings, "training/form", self.form.texts())

    # -- the window's close hooks ---------------------------------------------------------------

    def confirm_close(self) -> bool:
        return not self.is_training() or self.ask_stop()

    def shutdown(self) -> None:
        self.stop_and_wait(120_000)

    def _ask_stop(self) -> bool:
        answer = QMessageBox.question(
            self, "Training is running",
            "A model is training. Stop it and close?\n\nThe run is saved as stopped with its "
            "last completed epoch's checkpoint; you can resume it from the run browser.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    # -- events (GUI thread) --------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        if isinstance(event, BatchEnd):
            self._on_batch(event)
        elif isinstance(event, EpochEnd):
            self._on_epoch(event)
        elif isinstance(event, RunStarted):
            self._on_started(event)
        elif isinstance(event, RunFailed):
            self._on_end("failed", event.reason)
        elif isinstance(event, RunFinished):
            best = event.best.get("val_accuracy")
            text = f"best validation accuracy {best:.2%} at epoch {event.best.get('epoch')}" \
                if best is not None else ""
            self._on_end("finished", text)
        else:  # RunStopped
            self._on_end("stopped", "the last completed epoch's checkpoint is kept")

    def _on_started(self, event: RunStarted) -> None:
        self._batch_size, self._steps = event.batch_size, event.steps_per_epoch
        self.run_id = event.run_id
        series = RunSeries(event.run_id, event.run_id, planned_epochs=event.epochs,
                           steps_per_epoch=event.steps_per_epoch)
        if event.initial_epoch:  # a resumed run: its history so far, as cut back on disk
            from cnnstudio.engine.runs import read_history

            series = RunSeries.from_history(
                event.run_id, event.run_id, read_history(f"{event.run_dir}/history.jsonl"),
                planned_epochs=event.epochs, steps_per_epoch=event.steps_per_epoch)
        config = getattr(self.controller.session, "config", None)
        series.learning_rate_hint = getattr(config, "learning_rate", None)
        self.series = series
        if self.chart is not None:
            self.chart.clear()
            self.chart.add_series(series)
        self.progress.setRange(0, event.epochs * event.steps_per_epoch)
        self.progress.setValue(event.initial_epoch * event.steps_per_epoch)
        if self.status != "paused":
            self.status = "running"
        self.status_label.setText(
            f"Training {event.model_display_name} on {event.dataset} ({event.train_size:,} "
            f"images, {event.params:,} parameters) on {event.device}: run {event.run_id}")
        self.context.runsChanged.emit()

    def _on_batch(self, event: BatchEnd) -> None:
        if self.series is not None:
            self.series.add_batch(event.epoch, event.batch, event.steps_per_epoch, event.loss,
                                  event.accuracy)
        if self.chart is not None:
            self.chart.refresh()
        done = (event.epoch - 1) * event.steps_per_epoch + event.batch
        if event.images_per_second > 0:
            self._speed = event.images_per_second if self._speed == 0 else (
                0.8 * self._speed + 0.2 * event.images_per_second)
        remaining = (self.progress.maximum() - done) * self._batch_size
        eta = remaining / self._speed if self._speed > 0 else math.nan
        self.progress.setValue(done)
        epochs = self.progress.maximum() // max(1, event.steps_per_epoch)
        self.progress.setFormat(
            f"Epoch {event.epoch}/{epochs} · batch {event.batch}/{event.steps_per_epoch} · "
            f"{self._speed:,.0f} img/s · ETA {_duration(eta)}")

    def _on_epoch(self, event: EpochEnd) -> None:
        if self.series is not None:
            self.series.add_epoch(event.epoch, event.metrics, event.learning_rate,
                                  event.is_best)
        if self.chart is not None:
            self.chart.refresh()
        # Keras may report an epoch's last group short of its last batch: the epoch is done.
        self.progress.setValue(event.epoch * self._steps)
        metrics = event.metrics
        if self.status != "paused":
            self.status_label.setText(
                f"Epoch {event.epoch}/{event.epochs}: loss {metrics.get('loss', math.nan):.4f}, "
                f"validation accuracy {metrics.get('val_accuracy', math.nan):.2%} "
                f"({event.images_per_second:,.0f} img/s)")

    def _on_end(self, status: str, detail: str | None) -> None:
        self.status, self.reason = status, detail
        self.progress.setRange(0, max(1, self.progress.maximum()))
        words = {"finished": "Finished", "stopped": "Stopped", "failed": "Failed"}[status]
        run = f" run {self.run_id}" if self.run_id else ""
        self.status_label.setText(f"{words}{run}{': ' + detail if detail else ''}")
        if status == "failed":
            self._show_error(f"Training failed: {detail}")
        if self.chart is not None:
            self.chart.refresh()

    def _on_finished(self, result: Any) -> None:
        self.pause_button.setChecked(False)
        self.pause_button.setText("Pause")
        self._update_controls()
        self.context.runsChanged.emit()
        self.trainingFinished.emit(result)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
