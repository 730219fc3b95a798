"""The training view through its widgets: validation, a short real run with live charts, pause,
stop within a group of batches, closing during training, the error path."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QCoreApplication

from cnnstudio.engine.training.events import BatchEnd, EpochEnd
from tests.gui.training_helpers import panel_fixture, quick_form  # noqa: F401  (fixture)


class Events:
    """Records the panel's events (GUI thread) for assertions."""

    def __init__(self, panel):
        self.items = []
        panel.controller.event.connect(self.items.append)

    def count(self, kind) -> int:
        return sum(isinstance(event, kind) for event in self.items)


def run_record(panel) -> dict:
    return json.loads((panel.context.run_store.list()[-1].path / "run.json").read_text())


def test_before_the_engine_loads_train_waits_and_fields_still_validate(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.training.training_panel import TrainingPanel

    widget = TrainingPanel(StudioContext())
    qtbot.addWidget(widget)
    assert not widget.train_button.isEnabled()
    assert "engine" in widget.reason_label.text()
    widget.form.fields["epochs"].setText("0")
    assert widget.form.error_field == "epochs"
    assert "epochs must be a positive integer" in widget.reason_label.text()


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("learning_rate", "fast", "learning_rate must be a number"),
        ("learning_rate", "0", "learning_rate must be a number above 0"),
        ("batch_size", "-3", "batch_size must be a positive integer"),
        ("label_smoothing", "1.5", "label_smoothing must be a number in [0, 1)"),
    ],
)
def test_an_invalid_field_is_marked_and_train_disabled_with_the_reason(panel, field, text, message):
    assert panel.train_button.isEnabled()
    panel.form.fields[field].setText(text)
    assert not panel.train_button.isEnabled()
    assert panel.form.fields[field].property("invalid") is True
    assert message in panel.reason_label.text() and panel.reason_label.isVisible()
    assert message in panel.form.fields[field].toolTip()
    panel.form.fields[field].setText("0.1" if field == "label_smoothing" else "1")
    assert panel.train_button.isEnabled() and not panel.form.fields[field].property("invalid")


def test_a_short_run_trains_with_live_charts_and_progress(panel, qtbot):
    quick_form(panel, epochs=2, batches=3)
    events = Events(panel)
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        panel.train_button.click()
        assert panel.is_training() and not panel.train_button.isEnabled()
        assert panel.stop_button.isEnabled() and not panel.form.fields["epochs"].isEnabled()
    assert panel.status == "finished", panel.reason
    assert events.count(EpochEnd) == 2 and events.count(BatchEnd) >= 2
    series = panel.series
    assert len(series.epoch_x) == 2 and len(series.batch_x) == events.count(BatchEnd)
    assert series.best_epoch in (1, 2)
    assert panel.chart.series() == [series]
    # The chart catches up at its next redraw (at most 1 / LIVE_CHART_FPS later).
    val_loss = panel.chart._runs[series.run_id].lines["val_loss"]
    qtbot.waitUntil(lambda: len(val_loss.get_xdata()) == 2, timeout=3000)
    assert panel.progress.value() == panel.progress.maximum() == 6
    assert "epoch 2/2" in panel.progress.text() and "img/s" in panel.progress.text()
    assert panel.progress.text().startswith("Finished") and "ETA" not in panel.progress.text()
    assert panel.train_button.isEnabled() and not panel.stop_button.isEnabled()
    assert run_record(panel)["status"] == "finished"
    # The ended run's session (model, optimizer, data) is released with its thread.
    assert panel.controller.session is None


def test_pause_holds_batches_and_stop_acts_within_a_group(panel, qtbot):
    quick_form(panel, epochs=200, batches=4)
    events = Events(panel)
    panel.train_button.click()
    qtbot.waitUntil(lambda: events.count(BatchEnd) >= 2, timeout=120_000)
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume" and panel.status == "paused"
    # The training thread is held in the pause: nothing more can be sent. What it sent before
    # (the group in flight) is delivered by flushing the queued signals, not by waiting.
    controls = panel.controller.session.controls
    assert controls.wait_until_held(120)
    QCoreApplication.sendPostedEvents()
    paused_at = events.count(BatchEnd)
    QCoreApplication.sendPostedEvents()
    assert controls.paused and events.count(BatchEnd) == paused_at
    panel.pause_button.click()
    qtbot.waitUntil(lambda: events.count(BatchEnd) > paused_at, timeout=30_000)
    with qtbot.waitSignal(panel.trainingFinished, timeout=30_000):
        stopped_at = events.count(BatchEnd)
        panel.stop_button.click()
    # Stop is checked after every group of batches: at most the group in flight (an epoch
    # here, 4 batches) still reports, not the 190-odd epochs left. Counted, not timed.
    assert events.count(BatchEnd) - stopped_at <= 4
    assert panel.status == "stopped" and run_record(panel)["status"] == "stopped"
    assert "ETA" not in panel.progress.format()  # no countdown for a run that has ended


def test_pause_after_stop_keeps_the_run_stopping(panel, qtbot):
    quick_form(panel, epochs=200, batches=4)
    events = Events(panel)
    panel.train_button.click()
    qtbot.waitUntil(lambda: events.count(BatchEnd) >= 1, timeout=120_000)
    with qtbot.waitSignal(panel.trainingFinished, timeout=60_000):
        panel.stop_button.click()
        assert panel.status == "stopping" and "Stopping" in panel.live.status_label.text()
        assert not panel.pause_button.isEnabled()
        panel._toggle_pause(True)  # a Pause that reaches the panel all the same
        assert panel.status == "stopping" and "Stopping" in panel.live.status_label.text()
        assert not panel.pause_button.isChecked() and not panel.controller.session.paused
    assert panel.status == "stopped" and run_record(panel)["status"] == "stopped"


def test_closing_during_training_asks_then_stops_and_keeps_the_checkpoint(panel, qtbot):
    quick_form(panel, epochs=200, batches=2)
    events = Events(panel)
    panel.train_button.click()
    qtbot.waitUntil(lambda: events.count(EpochEnd) >= 1, timeout=120_000)
    asked = []
    panel.ask_stop = lambda: asked.append(True) or False
    assert panel.confirm_close() is False and panel.is_training()  # "No": keeps training
    panel.ask_stop = lambda: True
    assert panel.confirm_close() is True
    panel.shutdown()
    assert asked and not panel.is_training() and panel.status == "stopped"
    record = run_record(panel)
    assert record["status"] == "stopped" and record["epochs_completed"] >= 1
    assert record["checkpoint"]["epoch"] >= 1
    run = panel.context.run_store.list()[-1]
    assert (run.path / record["checkpoint"]["file"]).is_file()


def test_a_failing_run_shows_the_reason_and_the_panel_keeps_working(panel, qtbot, tmp_path):
    (tmp_path / "empty").mkdir()
    panel.context.set_dataset("folder", tmp_path / "empty")
    quick_form(panel)
    assert panel.train_button.isEnabled(), panel.reason_label.text()
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        panel.train_button.click()
    assert panel.status == "failed" and panel.reason
    assert panel.error_label.isVisible() and "Training failed" in panel.error_label.text()
    # Said once: the status line names the run, the banner gives the reason.
    assert panel.reason not in panel.live.status_label.text()
    assert panel.progress.format().startswith("Failed")
    assert run_record(panel)["status"] == "failed"
    # The app carries on: a good data set trains again, and the error went with its cause.
    panel.context.set_dataset("mnist-5k")
    assert not panel.error_label.isVisible()
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        panel.train_button.click()
    assert panel.status == "finished" and not panel.error_label.isVisible()


def test_nan_loss_fails_the_run_with_a_clear_reason(panel, qtbot):
    # As in the engine's test: ReLU activations overflow to inf within two steps at this rate.
    panel.context.set_model("lenet5", {"activation": "relu"})
    quick_form(panel, epochs=3, batches=4, learning_rate="1e30")
    panel.form.fields["optimizer"].setCurrentText("sgd")
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        panel.train_button.click()
    assert panel.status == "failed" and panel.error_label.isVisible()
    assert "NaN" in panel.reason or "infinite" in panel.reason, panel.reason


def test_closing_the_window_during_training_stops_the_run_and_keeps_it(qtbot):
    from cnnstudio.gui.shell.main_window import MainWindow
    from tests.gui.training_helpers import ready_context

    window = MainWindow(ready_context(), use_settings=False)
    qtbot.addWidget(window)
    window.show()
    window.show_view("training")
    panel = window.view("training")
    qtbot.waitUntil(lambda: panel.chart is not None, timeout=30_000)
    quick_form(panel, epochs=200, batches=2)
    events = Events(panel)
    panel.train_button.click()
    qtbot.waitUntil(lambda: events.count(EpochEnd) >= 1, timeout=120_000)
    panel.ask_stop = lambda: False
    window.close()
    assert window.isVisible() and panel.is_training()  # "No" keeps the window and the run
    panel.ask_stop = lambda: True
    closed = []
    window.closed.connect(lambda: closed.append(True))
    window.close()
    # At once: the window says it is stopping, is no longer usable, and does not wait frozen.
    assert "Stopping" in window.statusBar().currentMessage()
    assert not window.centralWidget().isEnabled()
    assert panel.status == "stopping"
    window.close()  # a second close while it stops asks nothing and changes nothing
    qtbot.waitUntil(lambda: bool(closed), timeout=120_000)
    assert not window.isVisible() and not panel.is_training()
    record = run_record(panel)
    assert record["status"] == "stopped" and record["checkpoint"]["epoch"] >= 1


def test_the_form_is_kept_in_the_preferences(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.ground.settings import app_settings
    from cnnstudio.gui.training.training_panel import TrainingPanel

    first = TrainingPanel(StudioContext())
    qtbot.addWidget(first)
    first.form.fields["epochs"].setText("7")
    first.form.fields["optimizer"].setCurrentText("sgd")
    first.form.fields["augment"].setChecked(False)
    first.form.fields["standardize"].setChecked(False)
    first.save_settings(app_settings())
    second = TrainingPanel(StudioContext())
    qtbot.addWidget(second)
    second.restore_settings(app_settings())
    assert second.form.values() | {"device": "auto"} == first.form.values()
    assert second.form.values()["epochs"] == 7 and second.form.values()["optimizer"] == "sgd"
    assert second.form.values()["standardize"] is False
