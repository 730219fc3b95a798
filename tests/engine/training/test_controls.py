"""Stop and pause: stop wins, whatever the order they arrive in (no Qt)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from cnnstudio.engine.training.controls import RunControls, StopRequested
from cnnstudio.engine.training.events import BatchEnd, RecordingObserver, RunStarted, RunStopped
from cnnstudio.engine.training.record import Progress
from tests.engine.training.test_training import make_session

pytestmark = pytest.mark.xdist_group("training")


def test_pause_after_stop_is_refused_and_the_stop_goes_on():
    controls = RunControls()
    controls.stop()
    assert controls.pause() is False
    assert not controls.paused and controls.stop_requested
    with pytest.raises(StopRequested):
        controls.honour()  # raises at once: there is no pause to sleep in


def test_stop_after_pause_wakes_the_pause_and_stops():
    controls = RunControls()
    assert controls.pause() is True and controls.paused
    controls.stop()
    assert not controls.paused
    assert controls.pause() is False
    with pytest.raises(StopRequested):
        controls.honour()


class _StopThenPause(RecordingObserver):
    """On the first batch, asks for a stop and then for a pause, as a hasty person would."""

    def __init__(self) -> None:
        super().__init__()
        self.session = None
        self.pause_accepted: bool | None = None

    def on_batch_end(self, event):
        if self.pause_accepted is None:
            self.session.stop()
            self.pause_accepted = self.session.pause()


def test_a_session_asked_to_stop_then_pause_stops():
    observer = _StopThenPause()
    session = make_session(observer, steps_per_execution=1)
    observer.session = session
    ended = threading.Event()

    def train():
        session.run()
        ended.set()

    thread = threading.Thread(target=train)
    thread.start()
    # Before the fix the pause put the training thread to sleep for good; wake it so that a
    # failing test does not leave a thread behind, then report.
    if not ended.wait(120):
        session.resume()
        thread.join()
    thread.join()

    assert observer.pause_accepted is False
    assert session.result.status == "stopped"
    assert len(observer.of_type(BatchEnd)) == 1
    assert isinstance(observer.events[-1], RunStopped)


def test_a_stop_during_start_up_ends_the_run_before_training(monkeypatch):
    from cnnstudio.engine.training import recipe

    observer = RecordingObserver()
    session = make_session(observer, steps_per_execution=0)  # 0: calibrated at start-up
    measure = recipe.measure_step_seconds

    def measure_while_stop_is_pressed(model, data):
        session.stop()
        return measure(model, data)

    monkeypatch.setattr(recipe, "measure_step_seconds", measure_while_stop_is_pressed)
    result = session.run()
    assert result.status == "stopped" and result.reason is None
    assert not observer.of_type(RunStarted) and not observer.of_type(BatchEnd)
    assert isinstance(observer.events[-1], RunStopped)


def test_a_stop_during_validation_ends_it_at_its_next_group_of_batches():
    from cnnstudio.engine.training.callbacks import SessionHooks

    controls = RunControls()
    session = SimpleNamespace(
        controls=controls, config=SimpleNamespace(batch_size=16, epochs=1), progress=Progress()
    )
    hooks = SessionHooks(session, steps_per_epoch=6, train_images=96)
    hooks.on_test_batch_end(0)  # no stop asked for: validation goes on
    controls.stop()
    with pytest.raises(StopRequested):
        hooks.on_test_batch_end(1)


def test_a_stop_during_a_download_cancels_it_and_stops_the_run(tmp_path, monkeypatch):
    import urllib.request

    import keras.src.backend.config as keras_config

    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.session import TrainingSession
    from tests.engine.training.test_training import quick_config

    home = tmp_path / "keras_home"  # nothing cached: MNIST must be downloaded
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    observer = RecordingObserver()
    session = TrainingSession(quick_config(dataset="mnist", epochs=1), observer, RunStore())

    def stopped_while_bytes_arrive(url, filename, reporthook=None, data=None):
        with open(filename, "wb") as file:
            file.write(b"\0" * 8192)
        session.stop()
        reporthook(1, 8192, 11_490_434)
        raise AssertionError("the download was not cancelled")

    monkeypatch.setattr(urllib.request, "urlretrieve", stopped_while_bytes_arrive)
    result = session.run()
    assert result.status == "stopped" and result.reason is None
    assert not observer.of_type(RunStarted)
    assert not (home / "datasets" / "mnist.npz").exists()  # Keras removed the partial file
