"""The run store: where runs live, unique folders, atomic writes, tolerant history reading."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from cnnstudio.engine.store.runs import (
    DAMAGED,
    SCHEMA_VERSION,
    DamagedRunError,
    Run,
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

    from cnnstudio.engine.store.runs import atomic_write

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, failing_write)
    assert json.loads(target.read_text()) == {"a": 2}  # the old file is intact
    atomic_write_text(tmp_path / "note.txt", "hello")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.txt", "run.json"]


# Each way a run.json can be unreadable, and the words the reason names.
DAMAGED_RECORDS = {
    "random bytes": (bytes(range(256)) * 4, "not UTF-8"),
    "cut-off JSON": (b'{"status": "finished", "config": {"mod', "not valid JSON"),
    "not an object": (b"[1, 2, 3]", "not a run record"),
    "config is text": (b'{"status": "finished", "config": "x"}', "config should be an object"),
    "best is a list": (b'{"status": "finished", "best": [0.9]}', "best should be an object"),
    "accuracy is text": (
        b'{"status": "finished", "best": {"val_accuracy": "high"}}',
        "best.val_accuracy should be",
    ),
    "epochs is a bool": (b'{"status": "finished", "epochs_completed": true}', "epochs_completed"),
    "tags hold numbers": (b'{"status": "finished", "tags": [1, 2]}', "tags should be"),
    "pid is text": (b'{"status": "running", "process": {"pid": "12"}}', "process.pid"),
}


@pytest.mark.parametrize("case", DAMAGED_RECORDS)
def test_a_damaged_run_is_listed_as_damaged_and_the_others_still_are(tmp_path, case):
    data, reason = DAMAGED_RECORDS[case]
    store = RunStore(tmp_path)
    good = store.create("lenet5", "mnist-5k")
    good.write_record({"status": "finished", "config": {"model": "lenet5"}})
    bad = store.create("lenet5", "mnist-5k")
    bad.run_file.write_bytes(data)

    rows = {summary.id: summary for summary in store.summaries()}
    assert rows[good.id].status == "finished" and rows[good.id].model == "lenet5"
    assert rows[bad.id].status == DAMAGED and reason in rows[bad.id].reason
    assert bad.id in rows[bad.id].reason  # the message names the run
    with pytest.raises(DamagedRunError, match=reason):
        _ = Run(bad.path).record
    assert not Run(bad.path).is_alive()  # nothing could have written it: deletable
    with pytest.raises(ValueError, match="damaged"):
        Run(bad.path).rename("x")  # refused, and the file is left as it was for a person
    assert bad.run_file.read_bytes() == data
    store.delete(bad.id)
    assert [run.id for run in store.list()] == [good.id]


def test_a_run_folder_that_lost_its_run_json_is_damaged_but_a_new_one_is_not_listed(tmp_path):
    store = RunStore(tmp_path)
    lost = store.create("lenet5", "mnist-5k")
    lost.append_history([{"kind": "epoch", "epoch": 1}])
    store.create("lenet5", "mnist-5k")  # just made by a trainer: no record written yet
    (tmp_path / "notes").mkdir()  # not a run at all
    (summary,) = store.summaries()
    assert summary.id == lost.id and summary.status == DAMAGED
    assert "run.json is missing" in summary.reason
    assert store.find(lost.id[:15]).path == lost.path


def test_concurrent_writers_lose_no_field(tmp_path):
    """A rename loop against per-epoch updates, as `runs rename` against a trainer: every write
    keeps the other writer's latest field (before the lock, each erased the other's)."""
    store = RunStore(tmp_path)
    run = store.create("lenet5", "mnist-5k")
    run.write_record({"status": "running", "epochs_completed": 0, "name": "name-0"})
    rounds = 150
    failures: list[BaseException] = []

    def trainer() -> None:
        handle = Run(run.path)  # each writer its own handle, as in two processes
        try:
            for epoch in range(1, rounds + 1):
                handle.update_record(epochs_completed=epoch, last={"loss": 1.0 / epoch})
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    def renamer() -> None:
        handle = Run(run.path)
        try:
            for index in range(1, rounds + 1):
                handle.rename(f"name-{index}")
        except BaseException as error:
            failures.append(error)

    seen: list[tuple[int, int]] = []
    threads = [threading.Thread(target=trainer), threading.Thread(target=renamer)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        record = json.loads(run.run_file.read_text())  # whole files only: atomic writes
        seen.append((record["epochs_completed"], int(record["name"].split("-")[1])))
    for thread in threads:
        thread.join()
    assert not failures, failures
    final = Run(run.path).record
    assert (final["epochs_completed"], final["name"]) == (rounds, f"name-{rounds}")
    # Both counters only ever grow: a lost update would have set one of them back.
    for field in (0, 1):
        values = [pair[field] for pair in seen]
        assert values == sorted(values), f"field {field} went back: a write was lost"


def test_run_files_and_folders_follow_the_users_umask(tmp_path):
    from cnnstudio.engine.store.atomic_files import make_directory

    previous = os.umask(0o027)  # a group may read, others may not
    try:
        store = RunStore(tmp_path / "runs")
        run = store.create("lenet5", "mnist-5k")
        run.write_record({"status": "finished"})
        run.update_record(name="shared")
        atomic_write_text(run.path / "note.txt", "x")
        staging = make_directory(run.path, ".export.tmp-")
    finally:
        os.umask(previous)
    files = [run.run_file, run.path / "note.txt", run.path / ".run.json.lock"]
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == {
        path.name: 0o640 for path in files
    }
    assert stat.S_IMODE(staging.stat().st_mode) == 0o750  # not mkdtemp's 0700
    assert stat.S_IMODE(run.path.stat().st_mode) == 0o750
