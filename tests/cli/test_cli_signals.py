"""Fault injection: SIGTERM and SIGHUP during training (what `timeout`, systemd and Slurm send,
and a closed terminal) end the run as Ctrl-C does: stopped after the batch, model saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnstudio.engine.store.checkpoints import CheckpointStore
from cnnstudio.engine.store.runs import RunStore

pytestmark = [
    pytest.mark.xdist_group("resume"),
    pytest.mark.skipif(os.name == "nt", reason="POSIX signals"),
]

FLAGS = ["--epochs", "50", "--limit-batches", "8", "--batch-size", "32", "--no-augment"]


def wait_for(condition, timeout: float, what: str, child):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if child.poll() is not None:
            pytest.fail(f"training ended (status {child.returncode}) before {what}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_stop_signal_saves_the_run_as_stopped(cnnstudio_home, tmp_path, name):
    number = getattr(signal, name)
    env = {**os.environ, "CNNSTUDIO_HOME": str(cnnstudio_home), "PYTHONUNBUFFERED": "1"}
    with open(tmp_path / "train.log", "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "cnnstudio", "train", *FLAGS],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=Path(__file__).parents[2],
        )
        try:
            store = RunStore()
            wait_for(lambda: store.list(), 120, "the run folder", child)
            (run,) = store.list()
            wait_for(
                lambda: CheckpointStore(run.checkpoints_dir).epochs(), 120, "a checkpoint", child
            )
            child.send_signal(number)
            child.wait(120)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    output = (tmp_path / "train.log").read_text()
    assert child.returncode == 128 + number, output
    assert f"{name} received" in output
    record = run.reload()
    assert record["status"] == "stopped", record
    assert run.model_file.is_file()
