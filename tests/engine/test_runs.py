"""The run store: where runs live, unique folders, atomic writes, tolerant history reading."""

from __future__ import annotations

import json
import os

import pytest

from cnnstudio.engine.runs import (
    SCHEMA_VERSION,
    RunStore,
    atomic_write_json,
    atomic_write_text,
    read_history,
    runs_root,
)


def test_runs_live_under_cnnstudio_home(cnnstudio_home):
    assert runs_root() == cnnstudio_home / "runs"
    assert RunStore().root == cnnstudio_home / "runs"


def test_runs_root_defaults_to_the_user_data_dir(monkeypatch):
    import platformdirs

    monkeypatch.delenv("CNNSTUDIO_HOME")
    expected = platformdirs.user_data_dir("cnnstudio", appauthor=False)
    assert str(runs_root()) == os.path.join(expected, "runs")


def test_folders_are_unique_and_named_for_people(tmp_path):
    store = RunStore(tmp_path)
    first = store.create("lenet5", "mnist-5k", started=0)
    second = store.create("lenet5", "mnist-5k", started=0)
    assert first.id.endswith("-lenet5-mnist-5k")
    assert second.id == first.id + "-2"
    assert first.checkpoints_dir.is_dir()
    odd = store.create("ResNet 50", "folder:/data/My Cats!", started=0)
    assert odd.id.endswith("-resnet-50-folder-data-my-cats")


def test_record_history_and_listing(tmp_path):
    store = RunStore(tmp_path)
    run = store.create("lenet5", "mnist-5k")
    run.write_record(
        {
            "status": "running",
            "config": {"model": "lenet5", "dataset": "mnist-5k"},
            "started": "2025-01-01T10:00:00+00:00",
            "best": {},
        }
    )
    run.update_record(
        status="finished", best={"val_accuracy": 0.98, "epoch": 3}, epochs_completed=3
    )
    again = store.get(run.id)
    assert again.record["schema_version"] == SCHEMA_VERSION and again.record["id"] == run.id
    assert again.status == "finished"

    run.append_history([{"kind": "batch", "step": 1}, {"kind": "epoch", "epoch": 1}])
    run.append_history([{"kind": "epoch", "epoch": 2}])
    assert [entry["kind"] for entry in run.history()] == ["batch", "epoch", "epoch"]

    (summary,) = store.summaries()
    assert (summary.status, summary.model, summary.best_val_accuracy) == (
        "finished",
        "lenet5",
        0.98,
    )
    with pytest.raises(ValueError, match="no run 'nope'"):
        store.get("nope")


def test_a_torn_last_history_line_is_skipped(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('{"kind": "epoch", "epoch": 1}\n{"kind": "epo')
    assert read_history(path) == [{"kind": "epoch", "epoch": 1}]
    assert read_history(tmp_path / "missing.jsonl") == []


def test_atomic_writes_replace_whole_files_and_leave_no_temporaries(tmp_path):
    target = tmp_path / "run.json"
    atomic_write_json(target, {"a": 1})
    atomic_write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}

    def failing_write(_):
        raise OSError("disk full")

    from cnnstudio.engine.runs import atomic_write

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, failing_write)
    assert json.loads(target.read_text()) == {"a": 2}  # the old file is intact
    atomic_write_text(tmp_path / "note.txt", "hello")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "run.json"]


def test_damaged_runs_are_skipped_in_the_list(tmp_path):
    store = RunStore(tmp_path)
    good = store.create("lenet5", "mnist-5k")
    good.write_record({"status": "finished", "config": {}})
    bad = store.create("lenet5", "mnist-5k")
    (bad.path / "run.json").write_text("{not json")
    assert [summary.id for summary in store.summaries()] == [good.id]
