"""Numbers that mean what they say: batch counters, the validation a run records, the learning
rate where a resumed run continues, and initial weights that depend on the seed alone."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training import schedules
from cnnstudio.engine.training.events import BatchEnd, RecordingObserver, RunStarted
from cnnstudio.engine.training.seeding import isolated_build
from cnnstudio.engine.training.session import TrainingSession
from tests.engine.training.test_training import make_session, tiny_dataset

pytestmark = pytest.mark.xdist_group("training")


def epoch_entries(run) -> list[dict]:
    return [entry for entry in run.history() if entry["kind"] == "epoch"]


# -- counters ------------------------------------------------------------------------------------


def test_counters_stay_within_the_epoch_when_the_groups_do_not_divide_it():
    observer = RecordingObserver()
    # 96 images / 16 = 6 batches an epoch, 4 per call: groups of 4 and then 2 (not 8).
    result = make_session(observer, steps_per_execution=4).run()
    assert result.status == "finished", result.reason

    batches = [(e.epoch, e.batch, e.step) for e in observer.of_type(BatchEnd)]
    assert batches == [(1, 4, 4), (1, 6, 6), (2, 4, 10), (2, 6, 12)]
    run = RunStore().get(result.run_id)
    history = run.history()
    assert [(e["batch"], e["step"]) for e in history if e["kind"] == "batch"] == [
        (4, 4),
        (6, 6),
        (4, 10),
        (6, 12),
    ]
    assert [e["step"] for e in epoch_entries(run)] == [6, 12]


# -- what run.json says the run measured ---------------------------------------------------------


def test_limit_batches_records_the_validation_images_it_measures():
    observer = RecordingObserver()
    # 96 training and 32 validation images, batch 16, one batch of each an epoch.
    result = make_session(observer, epochs=1, limit_batches=1).run()
    assert result.status == "finished", result.reason

    assert observer.of_type(RunStarted)[0].validation_size == 16
    data = RunStore().get(result.run_id).record["dataset"]
    assert data["validation_size"] == 16 and data["validation_split_size"] == 32
    assert data["train_size"] == 96 and data["train_images_per_epoch"] == 16


def test_without_a_limit_the_whole_validation_split_is_recorded():
    result = make_session(epochs=1).run()
    data = RunStore().get(result.run_id).record["dataset"]
    assert data["validation_size"] == data["validation_split_size"] == 32
    assert data["train_images_per_epoch"] == 96


# -- the learning rate of a resumed run ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["cosine", "step"])
def test_an_extended_schedule_is_unchanged_up_to_the_resume_point(kind):
    # 10 steps an epoch; 20 epochs planned, resumed after epoch 12 for 40 in all.
    planned = schedules.learning_rate(kind, 0.1, 10, [[0, 20]])
    extended = schedules.learning_rate(kind, 0.1, 10, [[0, 20], [12, 40]])
    for step in (0, 60, 100, 101, 119, 120):
        assert float(extended(step)) == pytest.approx(float(planned(step)), rel=1e-6)


def test_an_extended_cosine_decays_from_the_rate_it_reached_to_zero_at_the_new_end():
    planned = schedules.learning_rate("cosine", 0.1, 10, [[0, 20]])
    extended = schedules.learning_rate("cosine", 0.1, 10, [[0, 20], [12, 40]])
    reached = float(planned(120))
    assert float(extended(260)) == pytest.approx(reached / 2, rel=1e-5)  # half-way: 120 to 400
    assert float(extended(400)) == pytest.approx(0.0, abs=1e-9)


def test_an_extended_step_schedule_never_raises_the_rate():
    # The first drop (at step 100 of 200) is made; the new total puts its 75% at step 300.
    extended = schedules.learning_rate("step", 0.1, 10, [[0, 20], [12, 40]])
    assert [float(extended(s)) for s in (120, 250, 300, 301)] == pytest.approx(
        [0.01, 0.01, 0.01, 0.001]
    )


def test_resuming_with_more_epochs_continues_the_learning_rate_without_a_jump():
    from tests.engine.training.test_resume import _stopped_run

    store = RunStore()
    _, run = _stopped_run(store, 1, epochs=4, schedule="cosine", learning_rate=5e-3)
    reached = epoch_entries(run)[0]["learning_rate"]  # after epoch 1: step 6 of 24
    seen = {}

    class Inspect(RecordingObserver):
        def on_run_started(self, event):  # restored, before the first step of epoch 2
            seen["rate"] = float(session.trainer.optimizer.learning_rate)

    session = TrainingSession.resume_run(run, Inspect(), store, epochs=8, dataset=tiny_dataset())
    assert session.run().status == "finished"

    assert seen["rate"] == pytest.approx(reached, rel=1e-6)
    rates = [entry["learning_rate"] for entry in epoch_entries(run)]
    # From epoch 1 on, a cosine from the rate reached down to 0 over the 7 epochs left.
    expected = [reached * 0.5 * (1 + math.cos(math.pi * done / 7)) for done in range(8)]
    assert rates == pytest.approx(expected, rel=1e-5, abs=1e-9)
    assert run.reload()["schedule_segments"] == [[0, 4], [1, 8]]


def test_extending_a_finished_cosine_run_is_refused_with_the_reason():
    result = make_session(epochs=1, limit_batches=1, schedule="cosine").run()
    with pytest.raises(ValueError, match="ended its cosine schedule at epoch 1"):
        TrainingSession.resume_run(result.run_id, epochs=3, dataset=tiny_dataset())


# -- the seed alone decides the initial weights --------------------------------------------------


def _initial_weights(monkeypatch, *, draws_meanwhile: int) -> list[np.ndarray]:
    """The model's weights when training starts; `draws_meanwhile` draws from Python's global
    random happen after the run has seeded, as another thread's model build would make them."""
    from cnnstudio.engine.devices import devices

    resolve_device = devices.resolve_device

    def resolve_while_another_thread_draws(name):
        for _ in range(draws_meanwhile):
            random.random()
        return resolve_device(name)

    monkeypatch.setattr(devices, "resolve_device", resolve_while_another_thread_draws)
    captured = []

    class Capture(RecordingObserver):
        def on_run_started(self, event):
            captured.extend(np.copy(w) for w in session.model.get_weights())
            session.stop()

    session = make_session(Capture(), epochs=1, augment=False, standardize=False, seed=7)
    assert session.run().status == "stopped"
    return captured


def test_a_seeded_run_starts_from_the_same_weights_whatever_else_draws(monkeypatch):
    quiet = _initial_weights(monkeypatch, draws_meanwhile=0)
    disturbed = _initial_weights(monkeypatch, draws_meanwhile=5)
    assert len(quiet) == len(disturbed) > 0
    for a, b in zip(quiet, disturbed, strict=True):
        np.testing.assert_array_equal(a, b)


def test_builds_for_figures_leave_the_global_random_state_alone():
    from cnnstudio.models import create_model

    random.seed(11)
    state = random.getstate()
    isolated_build(lambda: create_model("lenet5", (32, 32, 1), 10))
    assert random.getstate() == state


# -- which weights model.keras holds -------------------------------------------------------------


def test_a_stop_mid_epoch_saves_the_last_completed_epoch_and_says_so():
    from cnnstudio.engine.store.modelfile import load_model_file

    epoch_one = []

    class StopInEpochTwo(RecordingObserver):
        def on_epoch_end(self, event):
            if event.epoch == 1:
                epoch_one.extend(np.copy(w) for w in session.model.get_weights())

        def on_batch_end(self, event):
            if event.epoch == 2:
                session.stop()

    session = make_session(
        StopInEpochTwo(), epochs=3, steps_per_execution=1, augment=False, standardize=False
    )
    result = session.run()
    assert result.status == "stopped" and result.epochs_completed == 1

    run = RunStore().get(result.run_id)
    weights = run.record["model_weights"]
    assert weights["epoch"] == 1
    assert weights["metrics"] == pytest.approx(epoch_entries(run)[0]["metrics"])
    saved = load_model_file(run.model_file).get_weights()
    assert len(saved) == len(epoch_one)
    for a, b in zip(saved, epoch_one, strict=True):
        np.testing.assert_array_equal(a, b)


def test_with_early_stopping_the_model_is_the_best_val_loss_epoch():
    result = make_session(epochs=3, early_stopping=1).run()
    assert result.status == "finished", result.reason
    run = RunStore().get(result.run_id)
    losses = [entry["metrics"]["val_loss"] for entry in epoch_entries(run)]
    best = losses.index(min(losses)) + 1
    weights = run.record["model_weights"]
    assert weights["epoch"] == best
    assert weights["metrics"]["val_loss"] == pytest.approx(min(losses))


def test_a_finished_run_without_early_stopping_holds_its_last_epoch():
    result = make_session(epochs=2).run()
    run = RunStore().get(result.run_id)
    weights = run.record["model_weights"]
    assert weights["epoch"] == 2
    assert weights["metrics"] == pytest.approx(epoch_entries(run)[-1]["metrics"])
