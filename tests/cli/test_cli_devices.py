"""`cnnstudio devices` and the train flags for devices, strategy, precision and XLA."""

from __future__ import annotations

import json

import pytest

from cnnstudio import cli
from cnnstudio.cli.devices import format_report
from cnnstudio.engine.store.runs import RunStore

pytestmark = pytest.mark.xdist_group("training")


def test_devices_lists_the_cpu_and_says_what_auto_picks(capsys):
    assert cli.main(["devices"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["Device", "Kind", "Name", "Memory", "Compute", "capability"]
    assert lines[2].split()[:2] == ["cpu", "CPU"]
    auto = next(line for line in lines if line.startswith("auto: "))
    assert auto.startswith("auto: gpu:0 (the first GPU") or auto.startswith("auto: cpu (no GPU: ")
    assert "automatic settings there: precision " in out


def test_devices_json_is_the_whole_report(capsys):
    assert cli.main(["devices", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["devices"][0] == {
        "name": "cpu",
        "kind": "cpu",
        "tf_name": "/device:CPU:0",
        "description": "CPU",
        "memory_bytes": None,
        "compute_capability": None,
    }
    assert {"auto", "auto_reason", "mixed_precision", "xla", "built_with_cuda"} <= set(report)


def test_gpus_are_shown_with_memory_and_compute_capability():
    report = {
        "devices": [
            {"name": "cpu", "kind": "cpu", "description": "CPU"},
            {
                "name": "gpu:0",
                "kind": "gpu",
                "description": "NVIDIA A100-SXM4-40GB",
                "memory_bytes": 38 * 2**30,
                "compute_capability": "8.0",
            },
            {
                "name": "gpu:1",
                "kind": "gpu",
                "description": "NVIDIA A100-SXM4-40GB",
                "memory_bytes": 38 * 2**30,
                "compute_capability": "8.0",
            },
        ],
        "auto": "gpu:0",
        "auto_reason": "the first GPU (NVIDIA A100-SXM4-40GB)",
        "gpus": 2,
        "mixed_precision": "mixed_float16",
        "xla": True,
    }
    lines = format_report(report)
    assert lines[3].split() == ["gpu:0", "GPU", "NVIDIA", "A100-SXM4-40GB", "38.0", "GiB", "8.0"]
    assert (
        "automatic settings there: precision mixed_float16, XLA on "
        "(off for augmented runs: no XLA kernel)" in lines
    )
    assert lines[-1] == "2 GPUs: --strategy mirrored trains on all of them"


def test_train_takes_precision_xla_and_strategy_and_records_them(capsys):
    argv = ["train", "--epochs", "1", "--limit-batches", "2", "--batch-size", "32"]
    argv += ["--mixed-precision", "bfloat16", "--xla", "off", "--strategy", "none"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    (run,) = RunStore().list()
    config, hardware = run.record["config"], run.record["hardware"]
    assert (config["mixed_precision"], config["xla"], config["strategy"]) == (
        "bfloat16",
        "off",
        "none",
    )
    assert hardware["mixed_precision"] == "mixed_bfloat16" and hardware["xla"] is False
    if not any(device["kind"] == "gpu" for device in hardware["devices"]):
        assert "Note: training on the CPU (no GPU: " in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--device", "gpu:0,gpu:0"], "device lists name distinct devices"),
        (["--device", "gpu:0,gpu:1", "--strategy", "none"], "strategy 'none' trains on one"),
        (["--device", "gpu:7"], "device 'gpu:7' is not available"),
    ],
)
def test_bad_device_choices_are_one_line(argv, message, capsys):
    assert cli.main(["train", "--epochs", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert RunStore().list() == []
