"""Resume: a run killed with SIGKILL mid-epoch continues as if nothing had happened.

The proof test trains LeNet-5 on the bundled mnist-5k in a child process (`python -m cnnstudio
train`), kills it with SIGKILL during the epoch after its first checkpoint, resumes it here and
compares it with an uninterrupted run of the same seed. The other tests use the tiny set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cnnstudio.engine.store.checkpoints import CheckpointStore
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.events import BatchEnd, EpochEnd, RecordingObserver, RunStarted
from cnnstudio.engine.training.session import TrainingSession
from tests.engine.training.test_training import quick_config, tiny_dataset

# Own group: runs beside the "training" group on the other worker (2 cores in CI).
pytestmark = pytest.mark.xdist_group("resume")

# LeNet-5 on mnist-5k, 4 epochs of 16 batches: about 88% validation accuracy (chance: 10%),
# a few seconds of training on a CPU.
PROOF = dict(
    model="lenet5",
    dataset="mnist-5k",
    epochs=4,
    batch_size=64,
    limit_batches=16,
    steps_per_execution=1,
    augment=False,
    seed=5,
)
PROOF_FLAGS = [
    "--model",
    "lenet5",
    "--data",
    "mnist-5k",
    "--epochs",
    "4",
    "--batch-size",
    "64",
    "--limit-batches",
    "16",
    "--steps-per-execution",
    "1",
    "--no-augment",
    "--seed",
    "5",
]


def _wait_for(condition, timeout: float, what: str, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"the training process ended (status {process.returncode}) before {what}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


class _Output:
    """What a child writes to its terminal, read on a thread as it comes."""

    def __init__(self, fd: int) -> None:
        import threading

        self.fd, self.text = fd, ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # the child closed its end
                return
            if not data:
                return
            self.text += data.decode("utf-8", "replace")

    def mid_epoch_after(self, epoch: int) -> bool:
        """A progress line of a later epoch, before its last batch."""
        import re

        for shown, batch, total in re.findall(r"epoch (\d+)/\d+\s+batch (\d+)/(\d+)", self.text):
            if int(shown) > epoch and int(batch) < int(total):
                return True
        return False

    def close(self) -> None:
        os.close(self.fd)
        self._reader.join(5)


@pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or os.name == "nt", reason="needs SIGKILL and a pty"
)
def test_a_run_killed_mid_epoch_resumes_and_matches_an_uninterrupted_run(cnnstudio_home, tmp_path):
    env = {**os.environ, "CNNSTUDIO_HOME": str(cnnstudio_home), "PYTHONUNBUFFERED": "1"}
    # A terminal for the child, so that it prints its batch progress ("epoch 2/4  batch 5/16"):
    # the kill waits for a batch of the epoch after the first checkpoint, not for a time.
    import pty

    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "cnnstudio", "train", *PROOF_FLAGS],
        stdout=terminal,
        stderr=terminal,
        env=env,
        cwd=Path(__file__).parents[3],
    )
    os.close(terminal)
    output = _Output(controller)
    try:
        store = RunStore()
        run = _wait_for(lambda: next(iter(store.list()), None), 120, "the run folder", child)
        checkpoints = CheckpointStore(run.checkpoints_dir)
        _wait_for(lambda: checkpoints.epochs(), 120, "the first checkpoint", child)
        first = checkpoints.epochs()[-1]
        _wait_for(lambda: output.mid_epoch_after(first), 120, "a batch of the next epoch", child)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        output.close()
    assert child.returncode == -signal.SIGKILL

    run.reload()
    assert run.status == "running"  # what the killed process left on disk
    assert run.effective_status == "interrupted"
    (row,) = store.summaries()
    assert row.status == "interrupted"
    done = max(CheckpointStore(run.checkpoints_dir).epochs())
    assert first <= done < PROOF["epochs"], "the kill came after the run had finished"

    observer = RecordingObserver()
    session = TrainingSession.resume_run(run.id, observer)
    result = session.run()
    assert result.status == "finished", result.reason
    assert observer.of_type(RunStarted)[0].initial_epoch == done
    assert [event.epoch for event in observer.of_type(EpochEnd)] == list(
        range(done + 1, PROOF["epochs"] + 1)
    )
    # Every completed epoch once, every batch once, the step counter without gaps.
    history = run.history()
    assert [e["epoch"] for e in history if e["kind"] == "epoch"] == [1, 2, 3, 4]
    steps = [e["step"] for e in history if e["kind"] == "batch"]
    assert steps == list(range(1, 4 * 16 + 1))
    record = run.reload()
    assert record["status"] == "finished" and record["epochs_completed"] == 4
    assert record["resumes"][0]["previous_status"] == "interrupted"
    assert int(session.trainer.optimizer.iterations) == 4 * 16

    uninterrupted = TrainingSession(TrainingConfig(**PROOF)).run()
    resumed_accuracy = result.last["val_accuracy"]
    straight_accuracy = uninterrupted.last["val_accuracy"]
    print(
        f"killed after checkpoint {done}; final val_accuracy resumed {resumed_accuracy:.4f}, "
        f"uninterrupted {straight_accuracy:.4f}"
    )  # shown with -s and on failure
    # Same seed, same epochs; the resumed part draws its own (seeded) data order, so the two
    # agree within a few points rather than bit for bit. Both are far above chance (10%).
    assert resumed_accuracy > 0.75 and straight_accuracy > 0.75
    assert abs(resumed_accuracy - straight_accuracy) <= 0.05, (resumed_accuracy, straight_accuracy)


class _StopAfterEpoch(RecordingObserver):
    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch
        self.session: TrainingSession | None = None

    def on_epoch_end(self, event):
        if event.epoch == self.epoch:
            self.session.stop()


def _stopped_run(store: RunStore, stop_after: int, **changes):
    observer = _StopAfterEpoch(stop_after)
    session = TrainingSession(quick_config(**changes), observer, store, dataset=tiny_dataset())
    observer.session = session
    result = session.run()
    assert result.status == "stopped" and result.epochs_completed == stop_after
    return session, store.get(result.run_id)


def test_resume_restores_optimizer_state_schedule_and_standardisation_exactly():
    store = RunStore()
    changes = dict(epochs=4, schedule="cosine", learning_rate=5e-3, standardize=True)
    stopped, run = _stopped_run(store, 2, **changes)
    probe = tiny_dataset(seed=3).validation.images[:8]
    from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit

    probe = fit_images_numpy(probe, plan_fit(probe.shape[1:], (32, 32, 1)))
    expected_outputs = np.asarray(stopped.model(probe, training=False))
    # The trained model's variables include the augmentation's random generator state.
    trained = stopped.trainer
    expected_state = [v.numpy() for v in [*trained.variables, *trained.optimizer.variables]]

    seen = {}

    class Inspect(RecordingObserver):
        def on_run_started(self, event):  # after the restore, before the first batch
            model = session.trainer
            seen["state"] = [v.numpy() for v in [*model.variables, *model.optimizer.variables]]
            seen["outputs"] = np.asarray(session.model(probe, training=False))

    session = TrainingSession.resume_run(run, Inspect(), store, dataset=tiny_dataset())
    result = session.run()
    assert result.status == "finished" and result.epochs_completed == 4

    assert len(seen["state"]) == len(expected_state)
    for restored, saved in zip(seen["state"], expected_state, strict=True):
        np.testing.assert_array_equal(restored, saved)
    # The standardisation layer's derived mean/variance follow its restored variables.
    np.testing.assert_allclose(seen["outputs"], expected_outputs, rtol=0, atol=1e-6)

    # The cosine schedule continues where it was: the rate after each epoch is the one of a
    # run never stopped (6 steps an epoch, 24 in all), not a schedule started afresh.
    import keras

    cosine = keras.optimizers.schedules.CosineDecay(5e-3, 24)
    rates = [e["learning_rate"] for e in run.history() if e["kind"] == "epoch"]
    assert rates == pytest.approx([float(cosine(6 * epoch)) for epoch in (1, 2, 3, 4)], rel=1e-5)


def test_resume_restores_callback_state_and_refuses_what_cannot_be_resumed():
    store = RunStore()
    _, run = _stopped_run(store, 2, epochs=4, schedule="plateau", early_stopping=3)
    manifest = CheckpointStore(run.checkpoints_dir).verify(2).manifest
    saved = manifest["callbacks"]
    assert saved["plateau"]["best"] is not None and saved["early_stopping"]["best"] is not None
    seen = {}

    class Inspect(RecordingObserver):
        def on_batch_end(self, event):  # the callbacks' on_train_begin has run by now
            if not seen:
                seen["plateau"] = (session._plateau.best, session._plateau.wait)
                seen["stopping"] = (session._early_stopping.best, session._early_stopping.wait)

    session = TrainingSession.resume_run(run.id, Inspect(), store, dataset=tiny_dataset())
    result = session.run()
    assert result.status == "finished" and result.epochs_completed == 4, result.reason
    assert seen["plateau"] == (pytest.approx(saved["plateau"]["best"]), saved["plateau"]["wait"])
    assert seen["stopping"] == (
        pytest.approx(saved["early_stopping"]["best"]),
        saved["early_stopping"]["wait"],
    )

    # Finished: nothing to resume unless more epochs are asked for; nothing is written.
    before = run.run_file.read_text()
    refusal = r"is finished after 4 of 4 epochs \(all epochs done\); nothing to resume"
    with pytest.raises(ValueError, match=refusal):
        TrainingSession.resume_run(run.id, runs=store, dataset=tiny_dataset())
    with pytest.raises(ValueError, match="already completed 4 epochs; ask for more than 4"):
        TrainingSession.resume_run(run.id, runs=store, epochs=4, dataset=tiny_dataset())
    with pytest.raises(ValueError, match="no run 'nope'"):
        TrainingSession.resume_run("nope", runs=store)
    assert run.run_file.read_text() == before

    # With more epochs a finished run goes on, numbering on.
    observer = RecordingObserver()
    extended = TrainingSession.resume_run(run.id, observer, store, epochs=5, dataset=tiny_dataset())
    assert extended.run().status == "finished"
    assert {e.epoch for e in observer.of_type(BatchEnd)} == {5}
    assert [e["epoch"] for e in run.history() if e["kind"] == "epoch"] == [1, 2, 3, 4, 5]
    assert run.reload()["config"]["epochs"] == 5
    assert [r["previous_status"] for r in run.record["resumes"]] == ["stopped", "finished"]
