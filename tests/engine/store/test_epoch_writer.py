"""Per-epoch writes off the training thread (`cnnstudio.engine.store.epoch_writer`), the one-call
variable reads of checkpoints, and the group size of batches per call."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from cnnstudio.engine.store.checkpoints import VariableReader, snapshot
from cnnstudio.engine.store.epoch_writer import THREAD_NAME, EpochWriter
from cnnstudio.engine.training import recipe
from tests.engine.store.test_checkpoints import small_model, state_of, train_a_little


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME)]


def test_jobs_run_in_order_in_another_thread_and_close_ends_the_thread():
    writer = EpochWriter()
    done: list[tuple[int, str]] = []
    for number in range(5):
        writer.submit(lambda n=number: done.append((n, threading.current_thread().name)))
    assert writer.close() is None
    assert [n for n, _ in done] == [0, 1, 2, 3, 4]
    assert all(name.startswith(THREAD_NAME) for _, name in done)
    assert not _writer_threads()


def test_an_epoch_waits_for_the_previous_epochs_writes():
    writer = EpochWriter()
    release = threading.Event()
    finished = threading.Event()

    def slow_write() -> None:
        assert release.wait(30)
        finished.set()

    writer.submit(slow_write)
    waiter = threading.Thread(target=writer.begin_epoch)
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive() and not finished.is_set()  # still waiting for the write
    release.set()
    waiter.join(30)
    assert not waiter.is_alive() and finished.is_set()
    writer.close()


def test_a_failed_write_is_raised_in_the_training_thread_at_the_next_epoch():
    writer = EpochWriter()

    def broken() -> None:
        raise OSError("disk full")

    writer.submit(broken)
    with pytest.raises(OSError, match="disk full"):
        writer.begin_epoch()
    writer.close()


def test_close_returns_the_first_error_and_runs_every_job():
    writer = EpochWriter()
    done: list[int] = []

    def broken() -> None:
        raise OSError("first")

    writer.submit(broken)
    writer.submit(lambda: done.append(1))
    error = writer.close()
    assert isinstance(error, OSError) and str(error) == "first"
    assert done == [1]
    assert writer.close() is None  # closing twice is harmless


def test_a_snapshot_read_in_one_call_equals_reading_each_variable_and_is_a_copy():
    model = small_model()
    train_a_little(model)
    reader = VariableReader()
    one_call = snapshot(model, reader)
    each = snapshot(model)
    assert one_call.variables == each.variables
    assert list(one_call.arrays) == list(each.arrays)
    for name in each.arrays:
        np.testing.assert_array_equal(one_call.arrays[name], each.arrays[name])
    before = state_of(model)
    train_a_little(model)  # the model moves on; the snapshot is a copy and does not
    for kept, was in zip(one_call.arrays.values(), before, strict=True):
        np.testing.assert_array_equal(kept, was)
    again = snapshot(model, reader)  # the same traced reader reads the new values
    assert any(
        not np.array_equal(again.arrays[name], one_call.arrays[name]) for name in again.arrays
    )


@pytest.mark.parametrize(
    ("step_seconds", "steps_per_epoch", "expected"),
    [
        (0.001, 16, 16),  # fast steps: the whole epoch in one call (at most 32, at most the epoch)
        (0.020, 16, 8),  # 12 wanted: two equal calls of 8, not 12 and 4
        (0.050, 16, 4),  # 5 wanted: four calls of 4
        (1.0, 16, 1),  # slow steps: one batch per call
        (0.001, 100, 25),  # 32 at most: four calls of 25
    ],
)
def test_batches_per_call_are_split_evenly_over_the_epoch(step_seconds, steps_per_epoch, expected):
    assert recipe.auto_steps_per_execution(step_seconds, steps_per_epoch) == expected


def test_a_checkpoint_that_cannot_be_written_fails_the_run_and_leaves_no_thread(
    cnnstudio_home, monkeypatch
):
    from cnnstudio.engine.store.checkpoints import CheckpointStore
    from tests.engine.training.test_training import make_session

    def full_disk(self, taken, epoch, state):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CheckpointStore, "write", full_disk)
    result = make_session(epochs=3).run()
    assert result.status == "failed"
    assert "could not write the checkpoint of epoch 1" in (result.reason or "")
    assert result.epochs_completed <= 2  # raised at the next epoch's end at the latest
    assert not _writer_threads()


def test_every_epochs_files_are_on_disk_when_the_run_ends(cnnstudio_home):
    from tests.engine.training.test_training import make_session

    session = make_session(epochs=3)
    result = session.run()
    assert result.status == "finished"
    run = session.run_handle
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2, 3]
    assert run.reload()["checkpoint"]["epoch"] == 3
    assert session.checkpoint_store().latest_good().epoch == 3
    assert not _writer_threads()
