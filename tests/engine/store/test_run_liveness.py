"""The stale rule: a run recorded on another host is alive only while its heartbeat is fresh;
the trainer's heartbeat thread beats and ends with the session."""

from __future__ import annotations

import os
import time

import pytest

from cnnstudio.engine.store.run_liveness import (
    HEARTBEAT_FILE,
    STALE_AFTER_SECONDS,
    Heartbeat,
    process_identity,
)
from cnnstudio.engine.store.runs import Run, RunStore


def running_elsewhere(store: RunStore) -> Run:
    run = store.create("lenet5", "mnist-5k")
    run.write_record(
        {
            "status": "running",
            "config": {"model": "lenet5", "dataset": "mnist-5k", "epochs": 3},
            # A host that is not this one (a laptop whose hostname changed, a shared disk).
            "process": {**process_identity(), "host": "another-machine.example"},
        }
    )
    return run


def age_heartbeat(run: Run, seconds: float) -> None:
    then = time.time() - seconds
    for name in (HEARTBEAT_FILE, "run.json"):
        path = run.path / name
        path.touch()
        os.utime(path, (then, then))


def test_a_run_on_another_host_is_alive_only_while_its_heartbeat_is_fresh(tmp_path):
    store = RunStore(tmp_path)
    run = running_elsewhere(store)
    Heartbeat(run.path).beat()
    assert run.is_alive() and run.effective_status == "running"
    with pytest.raises(ValueError, match=r"another-machine.example.*--force"):
        store.delete(run)

    age_heartbeat(run, STALE_AFTER_SECONDS + 60)
    assert not run.is_alive() and run.effective_status == "interrupted"
    (summary,) = store.summaries()
    assert summary.status == "interrupted" and summary.resumable


def test_without_a_heartbeat_file_run_json_s_age_decides(tmp_path):
    # Runs written before heartbeats existed: run.json is rewritten every epoch.
    run = running_elsewhere(RunStore(tmp_path))
    assert run.is_alive()
    then = time.time() - STALE_AFTER_SECONDS - 60
    os.utime(run.run_file, (then, then))
    assert not run.is_alive()


def test_a_fresh_run_elsewhere_is_deleted_only_with_force(tmp_path):
    store = RunStore(tmp_path)
    run = running_elsewhere(store)
    Heartbeat(run.path).beat()
    with pytest.raises(ValueError, match="still training"):
        store.delete(run)
    store.delete(run, force=True)
    assert not run.path.exists()


def test_the_heartbeat_thread_beats_and_ends_with_the_session(tmp_path):
    beat = Heartbeat(tmp_path, interval=0.01)
    with beat:
        assert beat.path.is_file()  # the first beat is at once
        age_heartbeat(Run(tmp_path), 3600)
        old = beat.path.stat().st_mtime
        deadline = time.monotonic() + 60  # a failure bound only: the loop ends at the beat
        while beat.path.stat().st_mtime == old and time.monotonic() < deadline:
            time.sleep(0.01)  # polling for the condition, not timing it
        assert beat.path.stat().st_mtime > old
    assert beat._thread is not None and not beat._thread.is_alive()
