"""Training config and session: validation, events in order, stop, pause, NaN, run folder."""

from __future__ import annotations

import json
import math
import threading
from types import SimpleNamespace

import numpy as np
import pytest

from cnnstudio.engine.store.run_liveness import HEARTBEAT_FILE
from cnnstudio.engine.store.run_lock import WRITER_LOCK_FILE
from cnnstudio.engine.store.runs import LOCK_FILE, SCHEMA_VERSION, RunStore
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.events import (
    BatchEnd,
    EpochEnd,
    RecordingObserver,
    RunFailed,
    RunFinished,
    RunStarted,
    RunStopped,
)
from cnnstudio.engine.training.recipe import choose_input_shape
from cnnstudio.engine.training.session import TrainingSession

pytestmark = pytest.mark.xdist_group("training")


def tiny_dataset(train: int = 96, validation: int = 32, seed: int = 0):
    """A learnable 28x28x1 two-class set: bright top half or bright bottom half."""
    rng = np.random.default_rng(seed)

    def split(count: int):
        labels = rng.integers(0, 2, size=count).astype(np.int64)
        images = rng.integers(0, 60, size=(count, 28, 28, 1)).astype(np.uint8)
        for index, label in enumerate(labels):
            rows = slice(0, 14) if label == 0 else slice(14, 28)
            images[index, rows] += 150
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


def quick_config(**changes) -> TrainingConfig:
    # 96 images / 16 = 6 batches an epoch, hooks every 2 batches: 3 batch events an epoch.
    # A constant rate, so that events can be checked against it.
    values = dict(
        epochs=2, batch_size=16, steps_per_execution=2, learning_rate=1e-3, schedule="constant"
    )
    values.update(changes)
    return TrainingConfig(**values)


def make_session(observer=None, dataset=None, **changes) -> TrainingSession:
    return TrainingSession(
        quick_config(**changes), observer, RunStore(), dataset=dataset or tiny_dataset()
    )


# -- config --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", 0, "epochs must be a positive integer; received 0"),
        ("epochs", 2.5, "epochs must be a positive integer; received 2.5"),
        ("batch_size", -1, "batch_size must be a positive integer; received -1"),
        (
            "optimizer",
            "lbfgs",
            "optimizer must be one of adam, adamw, sgd, rmsprop; received 'lbfgs'",
        ),
        (
            "schedule",
            "linear",
            "schedule must be one of constant, step, cosine, plateau; received 'linear'",
        ),
        ("learning_rate", 0.0, "learning_rate must be a number above 0; received 0.0"),
        ("learning_rate", math.nan, "learning_rate must be a number above 0; received nan"),
        ("learning_rate", "fast", "learning_rate must be a number above 0; received 'fast'"),
        ("momentum", 1.0, "momentum must be a number in [0, 1); received 1.0"),
        ("weight_decay", -0.1, "weight_decay must be a number at least 0; received -0.1"),
        ("label_smoothing", 1.5, "label_smoothing must be a number in [0, 1); received 1.5"),
        (
            "validation_fraction",
            1.0,
            "validation_fraction must be a number in (0, 1); received 1.0",
        ),
        ("early_stopping", -2, "early_stopping must be an integer of at least 0; received -2"),
        ("seed", "x", "seed must be an integer of at least 0; received 'x'"),
        ("limit_batches", -1, "limit_batches must be an integer of at least 0; received -1"),
        (
            "steps_per_execution",
            True,
            "steps_per_execution must be an integer of at least 0; received True",
        ),
        ("augment", "yes", "augment must be true or false; received 'yes'"),
        ("device", "tpu", "device must be 'auto', 'cpu' or 'gpu:N'; received 'tpu'"),
        ("model", "lenet6", "unknown model 'lenet6'"),
        ("model_options", {"activation": "swish"}, "received 'swish'"),
        ("model_options", {"depth": 3}, "has no option 'depth'"),
    ],
)
def test_validate_names_the_field_and_the_value(field, value, message):
    config = TrainingConfig(**{field: value})
    with pytest.raises(ValueError) as caught:
        config.validate(check_dataset=False)
    assert message in str(caught.value)


def test_validate_normalises_and_fills_model_options():
    config = TrainingConfig(
        model="LeNet5", model_options={"dropout": "0.25"}, optimizer="SGD", device="GPU0"
    )
    config.validate(check_dataset=False)
    assert config.model == "lenet5"
    assert config.optimizer == "sgd"
    assert config.device == "gpu:0"
    assert config.model_options["dropout"] == 0.25
    assert config.model_options["activation"] == "tanh"  # LeNet-5's default, filled in


def test_json_round_trip():
    config = TrainingConfig(
        model="lenet5",
        model_options={"activation": "relu"},
        epochs=7,
        batch_size=32,
        optimizer="sgd",
        learning_rate=0.05,
        schedule="cosine",
        weight_decay=1e-4,
        label_smoothing=0.1,
        early_stopping=3,
        seed=11,
        device="cpu",
        augment=True,
        limit_batches=5,
    )
    text = config.to_json()
    assert json.loads(text)["learning_rate"] == 0.05
    again = TrainingConfig.from_json(text)
    assert again == config
    assert again.to_json() == text


def test_from_json_refuses_unknown_fields_and_bad_json():
    with pytest.raises(ValueError, match="unknown training config field 'epoch'"):
        TrainingConfig.from_json('{"epoch": 3}')
    with pytest.raises(ValueError, match="not valid JSON"):
        TrainingConfig.from_json("{epochs: 3")
    assert TrainingConfig.from_json('{"epochs": 3}').batch_size == TrainingConfig().batch_size


def test_input_shape_grows_to_the_model_minimum():
    assert choose_input_shape(32, (28, 28, 1)) == (32, 32, 1)
    assert choose_input_shape(32, (64, 48, 3)) == (64, 48, 3)


# -- sessions ------------------------------------------------------------------------------------


def test_short_run_reports_events_in_order_and_keeps_everything():
    observer = RecordingObserver()
    session = make_session(observer)
    result = session.run()

    assert result.status == "finished", result.reason
    kinds = [type(event).__name__ for event in observer.events]
    batches = ["BatchEnd"] * 3
    assert kinds == ["RunStarted", *batches, "EpochEnd", *batches, "EpochEnd", "RunFinished"]

    started = observer.events[0]
    assert isinstance(started, RunStarted)
    assert started.input_shape == (32, 32, 1)
    assert started.device == "cpu"
    # The network's own weights, as the model picker counts them: the input standardisation's
    # mean, variance and count are statistics of the data, not parameters.
    from cnnstudio.models import create_model

    network = create_model("lenet5", (32, 32, 1), started.num_classes)
    assert started.params == network.count_params()
    assert started.steps_per_epoch == 6 and started.steps_per_execution == 2

    batch_events = observer.of_type(BatchEnd)
    assert [(e.epoch, e.batch) for e in batch_events] == [
        (1, 2),
        (1, 4),
        (1, 6),
        (2, 2),
        (2, 4),
        (2, 6),
    ]
    assert all(isinstance(e.loss, float) and e.images_per_second > 0 for e in batch_events)
    epoch = observer.of_type(EpochEnd)[-1]
    assert set(epoch.metrics) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert epoch.eta_seconds == 0.0 and epoch.learning_rate == pytest.approx(1e-3)
    assert isinstance(observer.events[-1], RunFinished)

    # The run folder: record, complete history, model.
    run = RunStore().get(result.run_id)
    record = run.record
    assert record["status"] == "finished" and record["reason"] is None
    assert record["schema_version"] == SCHEMA_VERSION
    assert record["config"]["model"] == "lenet5" and record["config"]["epochs"] == 2
    assert record["epochs_completed"] == 2
    assert set(record["versions"]) >= {"cnnstudio", "keras", "tensorflow", "python"}
    assert record["device"] == "cpu" and isinstance(record["pid"], int)
    assert record["model"]["params"] == started.params
    assert 0.0 <= record["best"]["val_accuracy"] <= 1.0
    assert record["started"] and record["finished"]
    history = run.history()
    assert [entry["kind"] for entry in history] == (["batch"] * 3 + ["epoch"]) * 2
    assert history[-1]["metrics"] == pytest.approx(epoch.metrics)
    assert run.model_file.is_file() and run.checkpoints_dir.is_dir()
    # No temporary files left; the lock and the heartbeat are meant to stay.
    hidden = {p.name for p in run.path.iterdir() if p.name.startswith(".")}
    assert hidden == {LOCK_FILE, HEARTBEAT_FILE, WRITER_LOCK_FILE}


def test_the_model_learns_the_tiny_set():
    result = make_session(epochs=4, steps_per_execution=0).run()
    assert result.status == "finished"
    assert result.best["val_accuracy"] >= 0.9


class _StopFromAnotherThread(RecordingObserver):
    """On the first batch, waits until another thread has called stop()."""

    def __init__(self) -> None:
        super().__init__()
        self.session: TrainingSession | None = None
        self.first_batch = threading.Event()
        self.stop_called = threading.Event()

    def on_batch_end(self, event):
        if not self.first_batch.is_set():
            self.first_batch.set()
            assert self.stop_called.wait(30)


def test_stop_from_another_thread_takes_effect_within_a_batch():
    observer = _StopFromAnotherThread()
    session = make_session(observer, steps_per_execution=1)
    observer.session = session

    def stopper():
        observer.first_batch.wait(60)
        session.stop()
        observer.stop_called.set()

    thread = threading.Thread(target=stopper)
    thread.start()
    result = session.run()
    thread.join(5)

    assert result.status == "stopped" and result.reason is None
    assert len(observer.of_type(BatchEnd)) == 1  # not one batch more
    assert not observer.of_type(EpochEnd)
    assert isinstance(observer.events[-1], RunStopped)
    run = RunStore().get(result.run_id)
    assert run.record["status"] == "stopped"
    assert run.model_file.is_file()
    assert [entry["kind"] for entry in run.history()] == ["batch"]


def test_pause_blocks_without_batches_until_resume():
    observer = RecordingObserver()
    session = make_session(observer, epochs=1)
    paused_seen = []

    class PauseOnFirstBatch(RecordingObserver):
        def on_event(self, event):
            observer.on_event(event)
            if isinstance(event, BatchEnd) and event.batch == 2:
                session.pause()

    session.observer = PauseOnFirstBatch()
    thread = threading.Thread(target=session.run)
    thread.start()
    # The training thread itself is held in the pause (not merely asked to pause) ...
    assert session.controls.wait_until_held(60)
    count = len(observer.events)
    # ... and stays there, sending nothing, until resumed.
    thread.join(0.3)
    paused_seen.append(thread.is_alive() and len(observer.events) == count)
    session.resume()
    thread.join(60)

    assert paused_seen == [True]
    assert session.result.status == "finished"
    assert len(observer.of_type(BatchEnd)) == 3


def test_stop_wakes_a_paused_session():
    observer = RecordingObserver()
    session = make_session(observer)
    session.pause()
    thread = threading.Thread(target=session.run)
    thread.start()
    assert session.controls.wait_until_held(120)  # the pause has begun: now stop wakes it
    session.stop()
    thread.join(60)
    assert session.result.status == "stopped"


def test_nan_loss_fails_the_run_and_says_where():
    observer = RecordingObserver()
    # A learning rate this large overflows ReLU activations to inf within two steps.
    session = make_session(
        observer,
        optimizer="sgd",
        learning_rate=1e30,
        momentum=0.0,
        epochs=3,
        steps_per_execution=1,
        model_options={"activation": "relu"},
    )
    result = session.run()
    assert result.status == "failed"
    assert result.reason.startswith("loss became NaN at epoch 1 batch ")
    failed = observer.events[-1]
    assert isinstance(failed, RunFailed) and failed.reason == result.reason
    record = RunStore().get(result.run_id).record
    assert record["status"] == "failed" and record["reason"] == result.reason


def test_an_exception_anywhere_fails_the_run_with_its_reason():
    class Broken(RecordingObserver):
        def on_epoch_end(self, event):
            raise RuntimeError("chart exploded")

    observer = Broken()
    result = make_session(observer).run()
    assert result.status == "failed"
    assert result.reason == "RuntimeError: chart exploded"
    assert RunStore().get(result.run_id).record["reason"] == "RuntimeError: chart exploded"
    assert isinstance(observer.events[-1], RunFailed)


def test_a_session_runs_once():
    session = make_session(epochs=1, limit_batches=1)
    session.run()
    with pytest.raises(RuntimeError, match="runs once"):
        session.run()


def test_out_of_memory_fails_with_a_suggestion():
    import tensorflow as tf

    class OutOfMemory(RecordingObserver):
        def on_run_started(self, event):
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    result = make_session(OutOfMemory()).run()
    assert result.status == "failed"
    assert result.reason == (
        "out of memory with batch size 16 on cpu; try a smaller batch size (--batch-size 8) "
        "or a smaller model"
    )
