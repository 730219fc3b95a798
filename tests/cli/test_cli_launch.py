"""`cnnstudio train` and `resume` start runs through the engine's one entry point
(engine/training/launch.py), as the GUI and a queue of runs do."""

from __future__ import annotations

import pytest

from cnnstudio import cli
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training import launch

pytestmark = pytest.mark.xdist_group("training")

# No --limit-batches: such a run cannot be extended by `resume`.
QUICK = ["--epochs", "1", "--batch-size", "256", "--device", "cpu", "--schedule", "constant"]


@pytest.fixture
def launched(monkeypatch):
    calls = []
    real_run = launch.run_training

    def run_training(session, *args, **kwargs):
        calls.append(("run", session.config.model, session.config.epochs))
        return real_run(session, *args, **kwargs)

    monkeypatch.setattr(launch, "run_training", run_training)
    return calls


def test_train_and_resume_go_through_the_entry_point(launched, capsys):
    assert cli.main(["train", "--model", "lenet5", "--data", "mnist-5k", *QUICK]) == 0
    (run,) = RunStore().list()
    assert cli.main(["resume", run.id, "--epochs", "2"]) == 0, capsys.readouterr()
    assert launched == [("run", "lenet5", 1), ("run", "lenet5", 2)]
    assert RunStore().list()[0].record["status"] == "finished"


def test_launch_notes_are_printed_where_they_were(monkeypatch, capsys):
    from cnnstudio.cli.training import _print_note

    _print_note(launch.LaunchNote(launch.CPU_ONLY, "training on the CPU (no GPU: none)"))
    _print_note(launch.LaunchNote(launch.DATA_NOTE, "skipped 2 file(s)"))
    captured = capsys.readouterr()
    assert captured.out == "Note: training on the CPU (no GPU: none).\n"
    assert captured.err == "cnnstudio train: warning: skipped 2 file(s)\n"
