"""Fault injection: one writer per run, and a checkpoint of another model never fails a run for
ever (issue: two `cnnstudio resume` started together wrote epochs 1,2,3,4,3,5,6,...; a copied
checkpoint turned a finished run into a permanently failed one)."""

from __future__ import annotations

import shutil
import threading

import pytest

from cnnstudio import cli
from cnnstudio.engine.store.checkpoints import QUARANTINE_DIR, CheckpointStore
from cnnstudio.engine.store.run_lock import RunInUseError, take_writer_lock, try_lock
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.session import TrainingSession
from tests.engine.training.test_resume import _stopped_run
from tests.engine.training.test_training import tiny_dataset

pytestmark = pytest.mark.xdist_group("resume")


def snapshot(run):
    return (
        run.run_file.read_bytes(),
        run.history_file.read_bytes(),
        sorted(path.name for path in run.checkpoints_dir.iterdir()),
    )


def test_a_second_trainer_of_the_same_run_is_refused_where_the_lock_is_taken():
    store = RunStore()
    _, run = _stopped_run(store, 1, epochs=3)
    # Both resumes pass the liveness check (nothing trains the run yet) ...
    first = TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset())
    second = TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset())
    # ... then the first takes the run (as its process would, a moment later).
    held = take_writer_lock(run)
    before = snapshot(run)
    with pytest.raises(RunInUseError) as refused:
        second.run()
    assert refused.value.code == "run_in_use" and run.id in str(refused.value)
    assert snapshot(run) == before  # nothing written by the refused one
    held.release()

    result = first.run()
    assert result.status == "finished", result.reason
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2, 3]
    # The lock is released at the end, whatever the outcome: the run is free again.
    again = try_lock(run.path / ".writer.lock")
    assert again is not None
    again.release()


def test_a_resume_started_while_another_trains_exits_2_without_writing(capsys):
    quick = ["--limit-batches", "2", "--batch-size", "32", "--steps-per-execution", "1"]
    assert (
        cli.main(["train", "--epochs", "1", *quick, "--no-augment", "--schedule", "constant"]) == 0
    )
    (run,) = RunStore().list()
    held = take_writer_lock(run)  # another process trains it now
    before = snapshot(run)
    capsys.readouterr()
    try:
        assert cli.main(["resume", run.id, "--epochs", "2"]) == 2
    finally:
        held.release()
    err = capsys.readouterr().err
    assert "being trained by another process" in err and len(err.strip().splitlines()) == 1
    assert snapshot(run) == before


def test_two_resumes_racing_in_threads_train_each_epoch_once():
    store = RunStore()
    _, run = _stopped_run(store, 1, epochs=3)
    sessions = [
        TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset()) for _ in range(2)
    ]
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def resume(session):
        start.wait()
        try:
            outcomes.append(session.run().status)
        except ValueError as error:  # refused: in use, or nothing left to resume
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=resume, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert sorted(map(str, outcomes))[0] == "finished" or "finished" in outcomes, outcomes
    assert outcomes.count("finished") == 1, outcomes
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2, 3]


def test_a_checkpoint_of_another_model_is_quarantined_and_the_previous_one_used():
    store = RunStore()
    _, run = _stopped_run(store, 2, epochs=4)
    # Another model (other options, other variables) stopped after 3 epochs ...
    _, other = _stopped_run(store, 3, epochs=4, model_options={"normalization": "batch"})
    other_checkpoints = CheckpointStore(other.checkpoints_dir)
    foreign = other_checkpoints.verify(3)
    # ... whose newest checkpoint a person copies into the first run as its epoch 3.
    shutil.copy(foreign.data_path, run.checkpoints_dir / foreign.data_path.name)
    shutil.copy(foreign.manifest_path, run.checkpoints_dir / foreign.manifest_path.name)

    result = TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset()).run()
    assert result.status == "finished", result.reason
    quarantined = sorted(p.name for p in (run.checkpoints_dir / QUARANTINE_DIR).iterdir())
    assert any(name.startswith("epoch-0003") for name in quarantined)
    assert "quarantine" in run.log_file.read_text()
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2, 3, 4]  # resumed after epoch 2, its own last good checkpoint
