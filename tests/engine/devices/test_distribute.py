"""Training under tf.distribute on a machine without GPUs: MirroredStrategy over the CPU split
into two logical devices, and MultiWorkerMirroredStrategy with two worker processes on loopback.

Both need TensorFlow set up before it initialises (the logical devices, the cluster), so each run
is a fresh interpreter (`distributed_worker.py`), waited on with a timeout, never with sleeps.

Accuracy band (LeNet-5 on the bundled mnist-5k, 2 epochs of 8 batches of 256 images (global),
no augmentation, seed 0, validated on the first 2,048 validation images): one device 86.8%, two
logical CPUs (2 x 128) with a stop after epoch 1 and a resume 86.6%. The test asks for both at
least 78% and within 5 points of each other.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cnnstudio.engine.training.config import TrainingConfig

# Each test runs two training processes at once: one worker runs them, one after the other.
pytestmark = pytest.mark.xdist_group("distribute")

WORKER = Path(__file__).with_name("distributed_worker.py")
REPO = Path(__file__).resolve().parents[3]
ACCURACY_FLOOR = 0.78
ACCURACY_SPREAD = 0.05
# Short: 8 batches an epoch; augmentation off, which learns faster in 2 epochs.
SHORT = {"epochs": 2, "limit_batches": 8, "augment": False}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CONFIG", "CNNSTUDIO_LOGICAL_CPUS")}
    env.update(PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    env.update(extra)
    return env


def _start(runs: Path, report: Path, config: dict, *extra: str, **env: str) -> subprocess.Popen:
    command = [sys.executable, str(WORKER), str(runs), str(report), json.dumps(config), *extra]
    # Output to a file, not a pipe: nobody reads a pipe while this process trains, and a full
    # one would block the child.
    with report.with_suffix(".log").open("w") as log:
        return subprocess.Popen(command, env=_env(**env), stdout=log, stderr=subprocess.STDOUT)


def _finish(process: subprocess.Popen, report: Path, timeout: float) -> list[dict]:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"training process did not finish in {timeout} s:\n{_log_tail(report)}")
    assert process.returncode == 0 and report.is_file(), _log_tail(report)
    return json.loads(report.read_text())


def _log_tail(report: Path) -> str:
    return report.with_suffix(".log").read_text(errors="replace")[-3000:]


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def test_mirrored_on_two_logical_cpus_trains_stops_resumes_like_one_device(tmp_path):
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.session import TrainingSession

    mirrored = {**SHORT, "strategy": "mirrored", "batch_size": 128}
    process = _start(tmp_path / "runs", tmp_path / "report.json", mirrored, "1",
                     CNNSTUDIO_LOGICAL_CPUS="2")  # fmt: skip
    # Meanwhile, the same global batch on one device, in this process.
    single = TrainingSession(TrainingConfig(**SHORT, batch_size=256), runs=RunStore(tmp_path))
    one_device = single.run()
    stopped, resumed = _finish(process, tmp_path / "report.json", timeout=180)

    assert one_device.status == "finished", one_device.reason
    assert (stopped["status"], stopped["epochs_completed"]) == ("stopped", 1)
    assert (resumed["status"], resumed["epochs_completed"]) == ("finished", 2), resumed["reason"]
    assert resumed["run_id"] == stopped["run_id"]  # the same run continued
    hardware = resumed["hardware"]
    assert hardware["strategy"] == "mirrored" and hardware["replicas"] == 2
    assert hardware["global_batch_size"] == 256
    assert [d["name"] for d in hardware["devices"]] == ["cpu", "cpu:1"]
    # One event a step (steps_per_execution is 1 under a strategy): the charts get each.
    assert stopped["batch_events"] == resumed["batch_events"] == 8
    ours, theirs = resumed["best"]["val_accuracy"], one_device.best["val_accuracy"]
    assert ours >= ACCURACY_FLOOR and theirs >= ACCURACY_FLOOR, (ours, theirs)
    assert abs(ours - theirs) <= ACCURACY_SPREAD, (ours, theirs)


def test_two_workers_on_loopback_train_the_same_weights_and_only_the_chief_keeps_a_run(
    tmp_path,
):
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    config = {"epochs": 2, "limit_batches": 3, "strategy": "multi-worker", "batch_size": 64}
    runs = tmp_path / "runs"
    processes = []
    for index in range(2):
        tf_config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        report = tmp_path / f"worker{index}.json"
        processes.append((_start(runs, report, config, TF_CONFIG=tf_config), report))
    (chief,), (worker,) = [_finish(process, report, 150) for process, report in processes]

    for result in (chief, worker):
        assert (result["status"], result["epochs_completed"]) == ("finished", 2), result
    assert chief["checksum"] == worker["checksum"]  # the same final weights
    # Only the chief's run folder exists, complete; the worker's temporary store is gone.
    assert [p.name for p in runs.iterdir()] == [chief["run_id"]]
    folder = runs / chief["run_id"]
    for name in ("run.json", "history.jsonl", "model.keras", "checkpoints"):
        assert (folder / name).exists(), name
    assert len(list((folder / "checkpoints").iterdir())) >= 1
    assert not Path(worker["run_dir"]).exists()
    hardware = chief["hardware"]
    assert hardware["strategy"] == "multi-worker" and hardware["replicas"] == 2
    assert hardware["cluster"] == {"task": "worker:0", "workers": 2, "source": "TF_CONFIG"}
    assert hardware["global_batch_size"] == 128
