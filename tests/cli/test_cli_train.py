"""`cnnstudio train`, `datasets` and `runs`, end to end in-process on a few batches."""

from __future__ import annotations

import json
import re
import signal

import pytest

from cnnstudio import cli
from cnnstudio.cli.progress import ConsoleProgress
from cnnstudio.engine.store.runs import RunStore

pytestmark = pytest.mark.xdist_group("training")

QUICK = [
    "--epochs",
    "2",
    "--limit-batches",
    "3",
    "--batch-size",
    "32",
    "--steps-per-execution",
    "1",
]
CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def test_train_prints_plain_lines_and_the_run_folder(capsys):
    status = cli.main(
        [
            "train",
            "--model",
            "lenet5",
            "--data",
            "mnist-5k",
            *QUICK,
            "--option",
            "activation=relu",
            "--seed",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert not CONTROL_CHARACTERS.search(out), repr(out)
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/2", "2/2"]
    assert "val_accuracy" in epoch_lines[0] and "img/s" in epoch_lines[0]
    assert "Finished after 2 epochs" in out

    (run,) = RunStore().list()
    assert f"Run folder: {run.path}" in out
    record = run.record
    assert record["status"] == "finished"
    assert record["config"]["model_options"]["activation"] == "relu"
    assert record["config"]["seed"] == 3
    assert run.model_file.is_file()


def test_runs_lists_the_run_and_datasets_lists_the_bundled_set(capsys):
    assert cli.main(["runs"]) == 0
    assert "No runs yet" in capsys.readouterr().out

    assert cli.main(["train", *QUICK, "--epochs", "1"]) == 0
    capsys.readouterr()
    assert cli.main(["runs"]) == 0
    out = capsys.readouterr().out
    (run,) = RunStore().list()
    row = next(line for line in out.splitlines() if line.startswith(run.id))
    assert "finished" in row and "lenet5" in row and "mnist-5k" in row and "%" in row

    assert cli.main(["datasets"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("mnist-5k"))
    assert "28x28x1" in row and row.rstrip().endswith("yes")


def test_ctrl_c_stops_cleanly_and_keeps_the_run(capsys, monkeypatch):
    from cnnstudio.engine.training.events import BatchEnd

    original = ConsoleProgress.on_event
    sent = []

    def interrupt_on_first_batch(self, event):
        original(self, event)
        if isinstance(event, BatchEnd) and not sent:
            sent.append(True)
            signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C

    monkeypatch.setattr(ConsoleProgress, "on_event", interrupt_on_first_batch)
    # Not always Python's default: a shell starting the tests in the background ignores SIGINT.
    handler_before = signal.getsignal(signal.SIGINT)
    status = cli.main(["train", *QUICK])
    out = capsys.readouterr().out
    assert status == 130
    assert "Stopping after the current batch" in out
    assert "Stopped after 0 epochs" in out
    (run,) = RunStore().list()
    assert run.record["status"] == "stopped"
    assert run.model_file.is_file()
    assert signal.getsignal(signal.SIGINT) is handler_before  # restored


def test_config_file_with_flag_overrides(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"config": {"epochs": 1, "batch_size": 32, "seed": 9}}))
    assert cli.main(["train", "--config", str(config), "--limit-batches", "2"]) == 0
    (run,) = RunStore().list()
    assert run.record["config"]["seed"] == 9 and run.record["config"]["limit_batches"] == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--epochs", "0"], "epochs must be a positive integer; received 0"),
        (["train", "--epochs", "ten"], "invalid int value: 'ten'"),
        (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["train", "--model", "lenet6"], "unknown model 'lenet6'"),
        (["train", "--data", "imagenet-22k"], "Unknown data set 'imagenet-22k'"),
        (["train", "--option", "activation"], "options look like key=value"),
        (["train", "--option", "activation=swish"], "received 'swish'"),
        (["train", "--device", "tpu:0"], "device must be 'auto', 'cpu' or 'gpu:N'"),
        (["train", "--lr", "-1"], "learning_rate must be a number above 0; received -1.0"),
        (["train", "--config", "/nonexistent/config.json"], "cannot read --config"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        raise SystemExit(cli.main(argv))
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert RunStore().list() == []  # nothing started


def _bad_folders(root):
    """Image folders no classifier can train on, each for its own reason."""
    from PIL import Image

    empty = root / "empty"
    empty.mkdir()
    one = root / "one-class" / "cats"
    one.mkdir(parents=True)
    Image.new("L", (8, 8)).save(one / "a.png")
    unreadable = root / "unreadable"
    for name in ("cats", "dogs"):
        (unreadable / name).mkdir(parents=True)
    Image.new("L", (8, 8)).save(unreadable / "cats" / "a.png")
    (unreadable / "dogs" / "b.png").write_bytes(b"not an image")
    return {
        "empty": (empty, "no class sub-folders"),
        "one class": (root / "one-class", "one class"),
        "a class without a readable image": (unreadable, "no readable image"),
    }


def test_a_bad_image_folder_is_bad_input_before_any_run_folder(capsys, tmp_path):
    for case, (folder, reason) in _bad_folders(tmp_path).items():
        assert cli.main(["train", "--data", str(folder), *QUICK]) == 2, case
        err = capsys.readouterr().err
        assert reason in err and len(err.strip().splitlines()) == 1, (case, err)
    assert RunStore().list() == []  # no `failed` run left behind


def test_an_image_folder_run_records_the_folder_absolute(capsys, tmp_path, monkeypatch):
    from PIL import Image

    for label, shade in (("dark", 30), ("light", 220)):
        (tmp_path / "images" / label).mkdir(parents=True)
        for index in range(6):
            Image.new("L", (12, 12), shade + index).save(
                tmp_path / "images" / label / f"{index}.png"
            )
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--data", "images", *QUICK, "--epochs", "1"]) == 0
    capsys.readouterr()
    (run,) = RunStore().list()
    # As typed ("images"), a resume from any other directory would not find it.
    assert run.record["config"]["dataset"] == f"folder:{tmp_path / 'images'}"


def test_train_names_skipped_files_and_classes_validation_cannot_measure(capsys, tmp_path):
    from PIL import Image

    root = tmp_path / "images"
    for label, count in (("dark", 8), ("owl", 1)):
        (root / label).mkdir(parents=True)
        for index in range(count):
            Image.new("L", (12, 12), 40 * index).save(root / label / f"{index}.png")
    for index in range(7):  # files that are not images
        (root / "dark" / f"notes{index}.txt").write_text("not an image")
    assert cli.main(["train", "--data", str(root), *QUICK, "--epochs", "1"]) == 0
    err = capsys.readouterr().err
    skipped = next(line for line in err.splitlines() if "skipped" in line)
    assert "skipped 7 file(s) of the image folder, loaded 9 images" in skipped
    assert "notes0.txt: " in skipped and "notes4.txt" in skipped and "and 2 more" in skipped
    assert "notes5.txt" not in skipped  # the first five are named, the rest counted
    assert "no validation image for class(es) 'owl' (1 image)" in err
    assert "dark" not in err.split("no validation image")[1]
