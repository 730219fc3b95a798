"""Numbers that mean what they say: batch counters, the validation a run records, the learning
rate where a resumed run continues, and initial weights that depend on the seed alone."""

from __future__ import annotations

import pytest

from cnnstudio.engine.events import BatchEnd, RecordingObserver, RunStarted
from cnnstudio.engine.runs import RunStore
from tests.engine.test_training import make_session

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
