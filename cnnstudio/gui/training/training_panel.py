"""The training view: hyperparameters, Train / Pause / Stop, progress, live charts, the outcome.

The panel builds a session on the GUI thread and hands it to a `TrainingController`, which runs it
on a worker thread; events come back on the GUI thread and go to the `LiveRunView` (status,
progress, chart). Neither TensorFlow (the session module) nor matplotlib (the chart) is imported
when the panel is built: the session when training starts, the chart on a background thread once the
engine has loaded (it takes over a second).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.training.events import RunStarted
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.training.live_run import LiveRunView, selectable_label
from cnnstudio.gui.training.plan import PlanLabel
from cnnstudio.gui.training.training_form import TrainingForm
from cnnstudio.gui.training.training_worker import TrainingController
from cnnstudio.gui.widgets.glyphs import tool_icon
from cnnstudio.i18n import _


class TrainingPanel(QWidget):
    """The "training" view. `is_training()`, `stop_and_wait()` and the window's close hooks."""

    trainingFinished = Signal(object)  # RunResult (or None) after a run ends

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.setAccessibleName(_("Training view"))
        self.context = context
        self.live = LiveRunView()
        self.live.chartReady.connect(self._update_controls)
        self.controller = TrainingController(self)
        self.controller.event.connect(self.live.on_event)
        self.controller.event.connect(self._on_event)
        self.controller.finished.connect(self._on_finished)
        # Replaced in tests: asks whether to stop a run to close the window, and whether to
        # start one that will take long on the CPU.
        self.ask_stop = self._ask_stop
        self.ask_long_run = self._ask_long_run

        self.form = TrainingForm(context)
        self.form.changed.connect(self._update_controls)
        self._build()
        context.selectionChanged.connect(self._update_controls)
        context.selectionChanged.connect(self._selection_changed)
        context.engineReady.connect(self._on_engine_ready)
        if context.engine_ready:
            self._on_engine_ready()
        self._update_controls()

    def _build(self) -> None:
        group = QGroupBox(_("Hyperparameters"), objectName="hyperparameterGroup")
        QVBoxLayout(group).addWidget(self.form)
        self.train_button = self._button(_("Train"), "trainButton", self.start_training)
        self.pause_button = self._button(_("Pause"), "pauseButton", self._toggle_pause)
        self.pause_button.setCheckable(True)
        self.stop_button = self._button(_("Stop"), "stopButton", self.stop)
        # Train, the main action, across the panel; Pause and Stop under it (with their icons,
        # three in a row did not fit the panel in a longer language).
        buttons = QGridLayout()
        for button, glyph in (
            (self.train_button, "train"),
            (self.pause_button, "pause"),
            (self.stop_button, "stop"),
        ):
            button.setIcon(tool_icon(glyph, button))
        buttons.addWidget(self.train_button, 0, 0, 1, 2)
        buttons.addWidget(self.pause_button, 1, 0)
        buttons.addWidget(self.stop_button, 1, 1)
        self.reason_label = selectable_label("trainReasonLabel", _("Why Train is unavailable"))
        self.reason_label.setStyleSheet("color: #b00020;")
        self.plan = PlanLabel(self.context)
        left = QVBoxLayout()
        left.addWidget(group)
        left.addWidget(self.plan)
        left.addLayout(buttons)
        left.addWidget(self.reason_label)
        left.addStretch(1)

        layout = QHBoxLayout(self)
        side = QWidget(objectName="trainingSide")
        side.setLayout(left)
        side.setFixedWidth(300)
        layout.addWidget(side)
        layout.addWidget(self.live, 1)

    def _selection_changed(self) -> None:
        # An error of the last run was about its model and data: another choice clears it.
        if not self.is_training():
            self.live.clear_error()

    def _button(self, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    # -- engine and chart -----------------------------------------------------------------------

    def _on_engine_ready(self) -> None:
        status = self.context.engine_status
        if status is not None and getattr(status, "devices", None):
            self.form.set_devices(list(status.devices))
        self.live.request_chart()
        self._update_controls()

    # The live view's state, for the window, tests and scripts.
    chart = property(lambda self: self.live.chart)
    series = property(lambda self: self.live.series)
    status = property(lambda self: self.live.status)
    reason = property(lambda self: self.live.reason)
    progress = property(lambda self: self.live.progress)
    error_label = property(lambda self: self.live.error_label)

    def is_ready(self) -> bool:
        """For the window's screenshot mode: the engine and the chart are there."""
        return self.context.engine_ready and self.live.chart is not None

    # -- controls -------------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self.controller.is_running()

    def _update_controls(self) -> None:
        training = self.is_training()
        valid = self.form.validate()
        if valid and not training and self.live.chart is not None:
            values = self.form.values()
            self.live.chart.set_planned(values["epochs"], values["learning_rate"])
        # A bad field is named even before the engine loads: the person can fix it meanwhile.
        if training:
            reason = ""
        elif not valid:
            reason = _("Cannot train: {error}").format(error=self.form.error)
        elif not self.context.engine_ready:
            reason = _("Train is available once the engine has loaded.")
        else:
            reason = ""
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))
        if not training:
            self.plan.update_plan(self.form.values() if valid else None)
        self.train_button.setEnabled(not training and valid and self.context.engine_ready)
        self.train_button.setToolTip(reason or _("Start training with these settings"))
        # A stopping run cannot be paused: stop wins, and "Stopping..." stays true.
        self.pause_button.setEnabled(training and not self.controller.is_stopping())
        self.stop_button.setEnabled(training)
        self.form.set_enabled(not training)

    def start_training(self) -> bool:
        """Start a new run with the form's settings; False (and the reason shown) if it can't."""
        if self.is_training() or not self.form.validate() or not self.context.engine_ready:
            self._update_controls()
            return False
        from cnnstudio.engine.training.session import TrainingSession

        estimate = self.plan.estimate
        long_on_cpu = estimate is not None and estimate.long and self.plan.device_kind() == "cpu"
        if long_on_cpu and not self.ask_long_run(self.plan.text()):
            return False
        try:
            session = TrainingSession(self.form.config(), None, self.context.run_store)
        except ValueError as error:
            self.live.show_error(str(error))
            return False
        self._start(session, _("Starting: {plan}").format(plan=self.plan.text()))
        return True

    def resume_run(self, run_id: str, epochs: int | None = None) -> bool:
        """Continue a stopped, failed or interrupted run (from the run browser)."""
        if self.is_training():
            self.live.show_error(_("A run is training: stop it before resuming another."))
            return False
        from cnnstudio.engine.training.session import TrainingSession

        try:
            session = TrainingSession.resume_run(
                run_id, None, self.context.run_store, epochs=epochs
            )
        except ValueError as error:
            self.live.show_error(str(error))
            return False
        self.form.set_values(session.config)
        self.context.viewRequested.emit("training")
        self._start(session, _("Resuming {run_id}…").format(run_id=run_id))
        return True

    def _start(self, session: Any, message: str) -> None:
        self.live.begin(message, session.config.learning_rate)
        self.controller.start(session)
        self.pause_button.setChecked(False)
        self.pause_button.setText(_("Pause"))
        self._update_controls()

    def _toggle_pause(self, checked: bool) -> None:
        if checked and not self.controller.pause():
            # Refused: the run is stopping (or over); the button must not claim a pause.
            self.pause_button.setChecked(False)
            self._update_controls()
            return
        if not checked:
            self.controller.resume()
        self.live.set_paused(checked)
        self.pause_button.setText(_("Resume") if checked else _("Pause"))

    def stop(self) -> None:
        if self.is_training():
            self.controller.stop()
            self.live.set_stopping()
            self.pause_button.setChecked(False)
            self.pause_button.setText(_("Pause"))
            self._update_controls()

    def stop_and_wait(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread (the model and last checkpoint are kept).
        True when no training is left running."""
        if not self.is_training():
            return True
        self.controller.stop()
        return self.controller.wait(timeout_ms)

    # -- preferences (the window calls these with its QSettings) -------------------------------

    def restore_settings(self, settings: Any) -> None:
        from cnnstudio.gui.ground.settings import read_json

        values = read_json(settings, "training/form", {})
        if isinstance(values, dict):
            self.form.set_texts(values)

    def save_settings(self, settings: Any) -> None:
        from cnnstudio.gui.ground.settings import write_json

        write_json(settings, "training/form", self.form.texts())

    # -- the window's close hooks ---------------------------------------------------------------

    def confirm_close(self) -> bool:
        return not self.is_training() or self.ask_stop()

    def end_before_close(self, ended: Any) -> bool:
        """The window is closing (the person agreed): stop the run without waiting for it and
        call `ended()` once it has saved itself; False when nothing is training."""
        if not self.is_training():
            return False
        self.controller.finished.connect(
            lambda _result: ended(), Qt.ConnectionType.SingleShotConnection
        )
        self.stop()
        return True

    def shutdown(self) -> None:
        self.stop_and_wait(120_000)
        self.plan.shutdown()

    def _ask_long_run(self, plan: str) -> bool:
        answer = QMessageBox.question(
            self,
            _("A long run"),
            _(
                "{plan}\n\nThat is long for a CPU. Fewer epochs, a smaller model or data set, "
                "or a GPU would be quicker. Train anyway?"
            ).format(plan=plan),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _ask_stop(self) -> bool:
        answer = QMessageBox.question(
            self,
            _("Training is running"),
            _(
                "A model is training. Stop it and close?\n\nThe run is saved as "
                "stopped with its last completed epoch's checkpoint; you can resume it "
                "from the run browser."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- events (GUI thread) --------------------------------------------------------------------

    def _on_event(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self.context.runsChanged.emit()  # the run browser lists it as running

    def _on_finished(self, result: Any) -> None:
        self.pause_button.setChecked(False)
        self.pause_button.setText(_("Pause"))
        self._update_controls()
        self.context.runsChanged.emit()
        self.trainingFinished.emit(result)
