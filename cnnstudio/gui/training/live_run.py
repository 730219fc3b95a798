"""The live part of the training view: the run's status line, progress bar with images/s and
ETA, an error banner, and the chart, all fed by training events on the GUI thread.

Events only update plain data (`RunSeries`) and a few labels; the chart redraws itself at a
bounded rate. matplotlib is imported on a background thread (over a second) the first time a
chart is wanted, and the chart is built once it has loaded: the window never waits for it.
"""

from __future__ import annotations

import math
import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from cnnstudio.engine.formatting import format_duration
from cnnstudio.engine.training.events import BatchEnd, EpochEnd, RunFailed, RunFinished, RunStarted
from cnnstudio.gui.widgets.chart_data import RunSeries
from cnnstudio.gui.workers import Worker
from cnnstudio.i18n import _

# Redraws per second of the live chart. Each costs 8-16 ms of GUI-thread Python here (about 0.6
# ms per line, plus the copy to the screen), time the training thread partly waits for on the
# GIL; 5 a second keep the curves fluid and the training within a few percent of headless.
LIVE_CHART_FPS = 5.0
# Statuses whose line stays until the person changes it or the run ends: progress events must
# not turn "Stopping..." or "Paused" back into "Training".
_HELD_STATUSES = ("paused", "stopping")

_charts_loaded = threading.Event()
_charts_preloader: ChartsPreloader | None = None


class ChartsPreloader(Worker):
    """Imports matplotlib and the chart module (an import cannot be cut short)."""

    def __init__(self) -> None:
        super().__init__("chartPreload")

    def work(self) -> None:  # worker thread: imports only
        import cnnstudio.gui.widgets.charts  # noqa: F401

        _charts_loaded.set()


def preload_charts() -> None:
    """Import matplotlib and the chart module on a background thread (once; GUI thread)."""
    global _charts_preloader
    if _charts_preloader is None:
        _charts_preloader = ChartsPreloader()
        _charts_preloader.start()


# What the progress bar says once a run has ended.
_END_FORMATS = {
    "finished": lambda: _("Finished"),
    "stopped": lambda: _("Stopped"),
    "failed": lambda: _("Failed"),
}


class LiveRunView(QWidget):
    """Status, progress and chart of the run in progress (or the last one)."""

    chartReady = Signal()  # the chart exists (matplotlib has loaded)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveRunView")
        self.setAccessibleName(_("Training progress and charts"))
        self.chart: Any = None  # charts.TrainingChart once matplotlib has loaded
        self.series: RunSeries | None = None
        self.run_id: str | None = None  # the run training or last trained
        # idle / starting / running / paused / stopping / finished / stopped / failed
        self.status = "idle"
        self.reason: str | None = None
        self._speed = 0.0  # images per second, smoothed
        self._batch_size = 1
        self._steps = 1
        self._learning_rate: float | None = None
        self._last_epoch: tuple[int, int] | None = None  # (epoch, epochs) of the last batch
        self.status_label = selectable_label("runStatusLabel", "Run status")
        self.status_label.setText(_("Ready when you are: pick a model and data set, then Train."))
        self.progress = QProgressBar(objectName="trainingProgress")
        self.progress.setAccessibleName(_("Training progress"))
        self.progress.setFormat("")
        self.progress.setValue(0)
        self.error_label = selectable_label("trainingErrorLabel", "Training error")
        self.error_label.setStyleSheet(
            "background: #fdecea; color: #8a1c1c; border: 1px solid #e0a0a0; padding: 6px;"
        )
        self.error_label.hide()
        # What the engine worked around while preparing the run (a damaged checkpoint passed
        # over on resume, ...): said here, not only in the run's log.txt.
        self.warning_label = selectable_label("trainingWarningLabel", "Training warnings")
        self.warning_label.setStyleSheet(
            "background: #fff6e0; color: #6b4a00; border: 1px solid #e8c77a; padding: 6px;"
        )
        self.warning_label.hide()
        self.chart_placeholder = QLabel(
            _("The charts load with the engine…"), objectName="chartPlaceholder"
        )
        self.chart_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status_label, self.progress, self.error_label, self.warning_label):
            layout.addWidget(widget)
        layout.addWidget(self.chart_placeholder, 1)

    def request_chart(self) -> None:
        """Build the chart once matplotlib has loaded, without ever waiting for it here."""
        if self.chart is not None:
            return
        preload_charts()
        if not _charts_loaded.is_set():
            QTimer.singleShot(100, self.request_chart)
            return
        from cnnstudio.gui.widgets.charts import TrainingChart

        self.chart = TrainingChart(self, max_fps=LIVE_CHART_FPS)
        self.layout().replaceWidget(self.chart_placeholder, self.chart)
        self.chart_placeholder.deleteLater()
        if self.series is not None:
            self.chart.add_series(self.series)
        self.chartReady.emit()

    def begin(self, message: str, learning_rate: float | None) -> None:
        """A run is starting: clear the last outcome, show a busy bar until its first batch."""
        self.error_label.hide()
        self.run_id, self.status, self.reason = None, "starting", None
        self._learning_rate = learning_rate
        self.status_label.setText(message)
        self.progress.setRange(0, 0)  # busy until the first batch: data, model, calibration
        self._speed = 0.0
        self._last_epoch = None
        self.request_chart()

    def set_paused(self, paused: bool) -> None:
        if self.status == "stopping":
            return  # stop wins over pause
        self.status = "paused" if paused else "running"
        if paused:
            self.status_label.setText(
                _("Paused after the current group of batches. Resume to continue.")
            )

    def set_stopping(self) -> None:
        """Stop was pressed: this status and text stay until the run has ended."""
        self.status = "stopping"
        self.status_label.setText(_("Stopping after the current group of batches…"))

    # -- events (GUI thread) --------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """One training event, on the GUI thread (the controller's `event` signal)."""
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
            text = (
                _("best validation accuracy {accuracy:.2%} at epoch {epoch}").format(
                    accuracy=best, epoch=event.best.get("epoch")
                )
                if best is not None
                else ""
            )
            self._on_end("finished", text)
        else:  # RunStopped
            self._on_end("stopped", None)

    def _on_started(self, event: RunStarted) -> None:
        self._batch_size, self._steps = event.batch_size, event.steps_per_epoch
        self.run_id = event.run_id
        series = RunSeries(
            event.run_id,
            event.run_id,
            planned_epochs=event.epochs,
            steps_per_epoch=event.steps_per_epoch,
            batch_size=event.batch_size,
            train_images=event.train_size,
        )
        if event.initial_epoch:  # a resumed run: its history so far, as cut back on disk
            from cnnstudio.engine.store.runs import read_history

            series = RunSeries.from_history(
                event.run_id,
                event.run_id,
                read_history(f"{event.run_dir}/history.jsonl"),
                planned_epochs=event.epochs,
                steps_per_epoch=event.steps_per_epoch,
                batch_size=event.batch_size,
                train_images=event.train_size,
            )
        series.learning_rate_hint = self._learning_rate
        self.series = series
        self.warning_label.setText(
            "\n".join(f"Warning: {w.removeprefix('WARNING: ')}" for w in event.warnings)
        )
        self.warning_label.setVisible(bool(event.warnings))
        if self.chart is not None:
            self.chart.clear()
            self.chart.add_series(series)
        self.progress.setRange(0, event.epochs * event.steps_per_epoch)
        self.progress.setValue(event.initial_epoch * event.steps_per_epoch)
        if self.status not in _HELD_STATUSES:
            self.status = "running"
            self.status_label.setText(
                _(
                    "Training {model_display_name} on {dataset} ({train_size:,} images, "
                    "{params:,} parameters) on {device}: run {run_id}"
                ).format(
                    model_display_name=event.model_display_name,
                    dataset=event.dataset,
                    train_size=event.train_size,
                    params=event.params,
                    device=event.device,
                    run_id=event.run_id,
                )
            )

    def _on_batch(self, event: BatchEnd) -> None:
        if self.series is not None:
            self.series.add_batch(
                event.epoch, event.batch, event.steps_per_epoch, event.loss, event.accuracy
            )
        if self.chart is not None:
            self.chart.refresh()
        done = (event.epoch - 1) * event.steps_per_epoch + event.batch
        if event.images_per_second > 0:
            self._speed = (
                event.images_per_second
                if self._speed == 0
                else (0.8 * self._speed + 0.2 * event.images_per_second)
            )
        remaining = (self.progress.maximum() - done) * self._batch_size
        eta = remaining / self._speed if self._speed > 0 else math.nan
        if self.status == "stopping":
            eta = math.nan  # the run ends after this group: no time left to count down
        self.progress.setValue(done)
        epochs = self.progress.maximum() // max(1, event.steps_per_epoch)
        self._last_epoch = (event.epoch, epochs)
        self.progress.setFormat(
            _(
                "Epoch {epoch}/{epochs} · batch {batch}/{steps_per_epoch} · "
                "{speed:,.0f} img/s · ETA {format_duration}"
            ).format(
                epoch=event.epoch,
                epochs=epochs,
                batch=event.batch,
                steps_per_epoch=event.steps_per_epoch,
                speed=self._speed,
                format_duration=format_duration(eta),
            )
        )

    def _on_epoch(self, event: EpochEnd) -> None:
        if self.series is not None:
            self.series.add_epoch(event.epoch, event.metrics, event.learning_rate, event.is_best)
        if self.chart is not None:
            self.chart.refresh()
        # Keras may report an epoch's last group short of its last batch: the epoch is done.
        self.progress.setValue(event.epoch * self._steps)
        metrics = event.metrics
        if self.status not in _HELD_STATUSES:
            self.status_label.setText(
                _(
                    "Epoch {epoch}/{epochs}: loss {value:.4f}, validation accuracy "
                    "{value2:.2%} ({images_per_second:,.0f} img/s)"
                ).format(
                    epoch=event.epoch,
                    epochs=event.epochs,
                    value=metrics.get("loss", math.nan),
                    value2=metrics.get("val_accuracy", math.nan),
                    images_per_second=event.images_per_second,
                )
            )

    def _on_end(self, status: str, detail: str | None) -> None:
        self.status, self.reason = status, detail
        self.progress.setRange(0, max(1, self.progress.maximum()))
        # The bar's last words were about a run in progress ("ETA 9 s"): not true any more.
        if self._last_epoch is None:
            self.progress.setFormat(_END_FORMATS[status]())
        else:
            self.progress.setFormat(
                _("{status} · epoch {epoch}/{epochs} · {speed:,.0f} img/s").format(
                    status=_END_FORMATS[status](),
                    epoch=self._last_epoch[0],
                    epochs=self._last_epoch[1],
                    speed=self._speed,
                )
            )
        run = self.run_id or ""
        if status == "failed":
            # The reason is said once, in the error banner; the status line names the run.
            self.status_label.setText(_("Failed: run {run}").format(run=run))
            self.show_error(_("Training failed: {reason}").format(reason=detail))
        elif status == "stopped":
            self.status_label.setText(
                _("Stopped: run {run}; the last completed epoch's checkpoint is kept").format(
                    run=run
                )
            )
        elif detail:
            self.status_label.setText(
                _("Finished: run {run}, {detail}").format(run=run, detail=detail)
            )
        else:
            self.status_label.setText(_("Finished: run {run}").format(run=run))
        if self.chart is not None:
            self.chart.refresh()

    def clear_error(self) -> None:
        """The cause of the error shown has gone (another model or data set was chosen)."""
        self.error_label.hide()
        self.error_label.setText("")

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


def selectable_label(name: str, accessible: str) -> QLabel:
    """A wrapping, selectable status label with its object and accessible names."""
    label = QLabel(objectName=name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
