"""Fault injection on the command line: each bad input is one clear line and exit status 2,
before any run folder exists; nothing reaches a crash log (issue 19, items 10, 11, 13 and the
messages)."""

from __future__ import annotations

import os
import zipfile

import pytest

from cnnstudio import cli
from cnnstudio.engine.store.runs import RunStore


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_clear_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "unexpected error" not in err and "Traceback" not in err
    return lines[0]


def test_a_huge_input_is_refused_before_building(capsys):
    code, _, err = run_cli(capsys, "summary", "vgg16", "--input", "100000x100000x3")
    assert code == 2 and "too large" in one_clear_line(err) and "4096" in err


@pytest.mark.parametrize("shape", ["0x0", "0x0x1", "-3x5x1"])
def test_a_zero_input_is_not_offered_a_zero_shape(capsys, shape):
    code, _, err = run_cli(capsys, "summary", "lenet5", f"--input={shape}")
    assert code == 2 and "positive" in one_clear_line(err)
    assert "0x0x1 (grayscale)" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--data", "~nosuchuser/images"],
        ["predict", "--model", "~nosuchuser/model.keras", "x.png"],
        ["export", "latest", "--format", "keras", "--out", "~nosuchuser/out"],
        ["graph", "lenet5", "--out", "~nosuchuser/g.svg"],
    ],
)
def test_an_unknown_home_is_one_line(capsys, args):
    if args[0] == "export":
        pytest.importorskip("keras")
        _train_one_quick_run()
        capsys.readouterr()
    code, _, err = run_cli(capsys, *args)
    assert code == 2, err
    assert "nosuchuser" in one_clear_line(err)


def _train_one_quick_run() -> None:
    flags = ["--epochs", "1", "--limit-batches", "2", "--batch-size", "32", "--no-augment"]
    assert cli.main(["train", *flags, "--steps-per-execution", "1"]) == 0


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (["--epochs", "99999999999999999999999"], "epochs"),
        (["--seed", "99999999999"], "seed"),
        (["--batch-size", "10000000"], "batch_size"),
        (["--option", "dropout=nan"], "dropout"),
        (["--option", "dropout=inf"], "dropout"),
        (["--lr", "nan"], "learning_rate"),
    ],
)
def test_out_of_range_values_are_refused_before_a_run_folder_exists(capsys, flags, field):
    code, _, err = run_cli(capsys, "train", *flags)
    assert code == 2 and field in one_clear_line(err)
    assert RunStore().list() == []


def test_a_binary_config_file_is_named(capsys, tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(bytes(range(256)) * 10)
    code, _, err = run_cli(capsys, "train", "--config", str(path))
    assert code == 2 and str(path) in one_clear_line(err) and "not a JSON config" in err


def test_graph_to_a_folder_that_cannot_be_written_is_one_line(capfd):
    target = "/proc/cnnstudio-graph.svg"  # /proc takes no new files, not even from root
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc")
    code = cli.main(["graph", "lenet5", "--out", target])
    out, err = capfd.readouterr()
    assert code == 2 and "cannot write" in one_clear_line(err)
    assert "QPainter" not in out + err


def test_a_model_with_stored_code_is_refused_as_unsafe_with_the_way_out(capsys, tmp_path):
    keras = pytest.importorskip("keras")
    inputs = keras.Input((8, 8, 1))
    scaled = keras.layers.Lambda(lambda x: x * 2.0, name="double")(inputs)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(scaled))
    path = tmp_path / "stored-code.keras"
    keras.Model(inputs, outputs).save(path)
    (tmp_path / "x.png").write_bytes(b"")
    code, _, err = run_cli(capsys, "predict", "--model", str(path), str(tmp_path / "x.png"))
    line = one_clear_line(err)
    assert code == 2 and "refused as unsafe" in line and "safe_mode=False" in line


def test_exporting_a_run_whose_loss_became_nan_says_so(capsys):
    store = RunStore()
    run = store.create("lenet5", "mnist-5k")
    run.write_record(
        {
            "status": "failed",
            "reason": "loss became NaN at epoch 2 batch 3",
            "config": {"model": "lenet5", "dataset": "mnist-5k", "epochs": 3},
            "epochs_completed": 1,
        }
    )
    code, _, err = run_cli(capsys, "export", run.id, "--format", "keras")
    line = one_clear_line(err)
    assert code != 0 and "loss became NaN" in line and "training or interrupted" not in line


def test_a_truncated_keras_archive_is_one_line(capsys, tmp_path):
    path = tmp_path / "cut.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    path.write_bytes(path.read_bytes()[:30])
    code, _, err = run_cli(capsys, "predict", "--model", str(path), "x.png")
    assert code == 2 and str(path) in one_clear_line(err)
