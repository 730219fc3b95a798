"""The worker alone (no widgets): events reach the GUI thread in order, cost the training thread
little, and `wait()` leaves nothing running with the final event delivered."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.events import BatchEnd, EpochEnd, RunFinished, RunStarted, RunStopped
from cnnstudio.gui.training.training_worker import TrainingController


def tiny_dataset(train: int = 96, validation: int = 32):
    """Two learnable 28x28x1 classes in memory (as tests/engine/training/test_training.py makes
    them)."""
    rng = np.random.default_rng(0)

    def split(count: int):
        labels = rng.integers(0, 2, size=count).astype(np.int64)
        images = rng.integers(0, 60, size=(count, 28, 28, 1)).astype(np.uint8)
        for index, label in enumerate(labels):
            images[index, :14] += 150 if label == 0 else 0
            images[index, 14:] += 150 if label == 1 else 0
        return SimpleNamespace(images=images, labels=labels)

    info = SimpleNamespace(
        name="tiny",
        title="Tiny",
        image_shape=(28, 28, 1),
        num_classes=2,
        class_names=("top", "bottom"),
        flips_allowed=False,
        train_size=train,
        validation_size=validation,
    )
    return SimpleNamespace(info=info, train=split(train), validation=split(validation))


def session(epochs: int):
    """96 images / 16 = 6 batches an epoch, in groups of 2: 3 batch events an epoch."""
    from cnnstudio.engine.training.session import TrainingSession

    config = TrainingConfig(
        epochs=epochs,
        batch_size=16,
        steps_per_execution=2,
        learning_rate=1e-3,
        schedule="constant",
        augment=False,
    )
    return TrainingSession(config, None, RunStore(), dataset=tiny_dataset())


def test_events_arrive_in_order_on_the_gui_thread(qtbot):
    from PySide6.QtCore import QThread

    controller = TrainingController()
    events, threads = [], []

    def record(event):
        events.append(event)
        threads.append(QThread.currentThread())

    controller.event.connect(record)
    with qtbot.waitSignal(controller.finished, timeout=60_000) as finished:
        controller.start(session(epochs=2))
        assert controller.is_running()
    assert finished.args[0].status == "finished"
    assert isinstance(events[0], RunStarted) and isinstance(events[-1], RunFinished)
    assert [e.epoch for e in events if isinstance(e, EpochEnd)] == [1, 2]
    assert sum(isinstance(e, BatchEnd) for e in events) == 6
    assert set(threads) == {QThread.currentThread()}  # the test's (GUI) thread only
    stats = controller.last_stats
    assert stats["events"] == len(events)
    assert not controller.is_running()


def test_stop_then_wait_ends_the_thread_and_delivers_the_final_event(qtbot):
    controller = TrainingController()
    events = []
    controller.event.connect(events.append)
    controller.start(session(epochs=500))
    qtbot.waitUntil(lambda: any(isinstance(e, BatchEnd) for e in events), timeout=60_000)
    controller.stop()
    assert controller.wait(30_000)
    # No event loop turn needed: wait() delivered what the thread left behind.
    assert not controller.is_running()
    assert isinstance(events[-1], RunStopped)


def test_the_one_freeze_before_the_first_run_collects_garbage_first(monkeypatch):
    """Cyclic garbage alive at the first Train (the picker's models) must not be frozen for
    ever with the long-lived objects."""
    import gc
    import weakref

    from cnnstudio.gui.training import training_worker

    class Cycle:
        pass

    monkeypatch.setattr(training_worker, "_frozen", False)
    gc.disable()  # so that only the freeze's own collection can free the cycle
    try:
        garbage = Cycle()
        garbage.itself = garbage
        alive = weakref.ref(garbage)
        del garbage
        training_worker._freeze_long_lived_objects()
        assert alive() is None
    finally:
        gc.enable()


def test_a_finished_run_leaves_nothing_of_its_session_behind(qtbot):
    """The model, optimizer slots, data and compiled functions of an ended run must not stay
    alive in the app until the next run."""
    import gc
    import weakref

    controller = TrainingController()
    training = session(epochs=1)
    alive = weakref.ref(training)
    with qtbot.waitSignal(controller.finished, timeout=60_000) as finished:
        controller.start(training)
    del training
    assert finished.args[0].status == "finished" and controller.session is None

    def released() -> bool:
        gc.collect()
        return alive() is None

    qtbot.waitUntil(released, timeout=30_000)


def test_the_training_thread_runs_through_the_engine_entry_point(qtbot, monkeypatch):
    """The GUI starts runs as the CLI and a queue do: engine/training/launch.run_training."""
    from cnnstudio.engine.training import launch

    seen = []

    def spy(config, *args, **kwargs):
        seen.append(config)
        return real(config, *args, **kwargs)

    real = launch.run_training
    monkeypatch.setattr(launch, "run_training", spy)
    controller = TrainingController()
    started = session(epochs=1)
    with qtbot.waitSignal(controller.finished, timeout=60_000) as finished:
        controller.start(started)
    assert seen == [started]
    assert finished.args[0].status == "finished"
