"""The damaged-store corpus: every command that lists or opens runs, driven through a store where
each kind of damage sits next to healthy runs. No traceback, exit codes as documented (2 for a
run that cannot be used, 0 where the command could do its job), and no healthy run lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from cnnstudio import cli
from cnnstudio.engine.store.run_liveness import (
    HEARTBEAT_FILE,
    STALE_AFTER_SECONDS,
    process_identity,
)
from cnnstudio.engine.store.run_schema import SCHEMA_VERSION
from cnnstudio.engine.store.runs import RunStore

DAMAGE = {
    "garbage": bytes(range(256)) * 8,
    "wrong-types": b'{"status": "finished", "config": "x", "best": {"val_accuracy": "high"}}',
    "truncated": b'{"status": "finished", "config": {"model": "lenet5", "data',
    "missing": None,  # run.json gone, history left
}


def healthy(store: RunStore, status: str, **fields) -> str:
    run = store.create("lenet5", "mnist-5k")
    run.write_record(
        {
            "status": status,
            "config": {"model": "lenet5", "dataset": "mnist-5k", "epochs": 3},
            "epochs_completed": 2,
            "best": {"epoch": 2, "val_accuracy": 0.97},
            "started": "2026-01-01T10:00:00+00:00",
            **fields,
        }
    )
    return run.id


@pytest.fixture
def corpus():
    """{kind: run id} of a store holding each damage, a newer version's run, runs on another
    host (stale and fresh) and two healthy runs."""
    store = RunStore()
    ids = {"finished": healthy(store, "finished"), "stopped": healthy(store, "stopped")}
    for kind, data in DAMAGE.items():
        run = store.create("lenet5", kind)
        run.append_history([{"kind": "epoch", "epoch": 1}])
        if data is not None:
            run.run_file.write_bytes(data)
        ids[kind] = run.id
    newer = store.create("lenet5", "newer")
    newer.run_file.write_text(
        json.dumps({"schema_version": SCHEMA_VERSION + 1, "status": "finished", "config": 3})
    )
    ids["newer"] = newer.id
    elsewhere = {**process_identity(), "host": "old-laptop-name"}
    for kind in ("stale", "fresh"):
        ids[kind] = healthy(store, "running", process=elsewhere)
        beat = store.root / ids[kind] / HEARTBEAT_FILE
        beat.touch()
        if kind == "stale":
            then = time.time() - STALE_AFTER_SECONDS - 60
            for path in (beat, store.root / ids[kind] / "run.json"):
                os.utime(path, (then, then))
    return ids


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_lists_the_healthy_runs_and_names_each_damaged_folder_once(corpus):
    # A real process: what a person sees, traceback or not, on both streams.
    done = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "runs"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    table = {line.split()[0]: line for line in done.stdout.splitlines() if line[:2] == "20"}
    assert "finished" in table[corpus["finished"]] and "97.00%" in table[corpus["finished"]]
    assert "stopped" in table[corpus["stopped"]]
    assert "unsupported" in table[corpus["newer"]]
    assert "interrupted" in table[corpus["stale"]] and "running" in table[corpus["fresh"]]
    notes = done.stderr.strip().splitlines()
    assert len(notes) == len(DAMAGE)
    for kind in DAMAGE:
        (note,) = [line for line in notes if corpus[kind] in line]
        assert note.startswith("cnnstudio runs: skipped ") and "damaged" in note
        assert str(RunStore().root / corpus[kind]) in note  # the folder, to look at or remove
        assert corpus[kind] not in table


@pytest.mark.parametrize("kind", [*DAMAGE, "newer"])
def test_a_run_that_cannot_be_read_is_refused_in_one_line_and_can_be_deleted(corpus, capsys, kind):
    run_id = corpus[kind]
    for args in (
        ["runs", "rename", run_id, "name"],
        ["runs", "tag", run_id, "word"],
        ["resume", run_id],
        ["export", run_id, "--format", "keras"],
        ["predict", "--model", run_id, "digit.png"],
    ):
        code, _, err = run_cli(capsys, *args)
        assert code == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and run_id in err, (args, err)
    code, out, _ = run_cli(capsys, "runs", "delete", run_id, "--yes")
    assert code == 0 and f"Deleted {run_id}" in out
    code, out, _ = run_cli(capsys, "runs")
    assert code == 0 and corpus["finished"] in out and corpus["stopped"] in out


def test_a_run_alive_on_another_host_needs_force_and_is_warned_about(corpus, capsys):
    fresh = corpus["fresh"]
    for args in (["runs", "delete", fresh, "--yes"], ["resume", fresh]):
        code, _, err = run_cli(capsys, *args)
        assert code == 2 and "still training" in err and "old-laptop-name" in err
        assert "--force" in err and len(err.strip().splitlines()) == 1
    code, out, err = run_cli(capsys, "runs", "delete", fresh, "--yes", "--force")
    assert code == 0 and f"Deleted {fresh}" in out
    assert "warning" in err and "old-laptop-name" in err and "--force" in err

    # A stale trainer elsewhere is simply interrupted: deleted without --force.
    code, out, err = run_cli(capsys, "runs", "delete", corpus["stale"], "--yes")
    assert code == 0 and err == ""
    assert {run.id for run in RunStore().list()} >= {corpus["finished"], corpus["stopped"]}


def test_an_export_that_cannot_be_written_is_one_line_before_any_slow_work(
    corpus, capsys, tmp_path
):
    run_id = corpus["finished"]
    run_path = RunStore().root / run_id
    (run_path / "model.keras").write_bytes(b"never loaded: the folder is refused first")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run_cli(
        capsys, "export", run_id, "--format", "keras", "--out", str(blocker / "export")
    )
    assert code == 1 and "cannot write the export" in err and len(err.strip().splitlines()) == 1
    if os.geteuid() == 0:
        return  # root writes into read-only folders: only the case above applies
    run_path.chmod(0o555)
    try:
        code, _, err = run_cli(capsys, "export", run_id, "--format", "keras")
    finally:
        run_path.chmod(0o755)
    assert code == 1 and "cannot write the export" in err and "Permission denied" in err


def test_runs_rename_while_the_trainer_writes_its_epochs_loses_nothing(corpus, capsys):
    from cnnstudio.engine.store.runs import Run

    run_id = corpus["stopped"]
    trainer = Run(RunStore().root / run_id)
    rounds = 100
    failures: list[BaseException] = []

    def write_epochs() -> None:
        try:
            for epoch in range(3, 3 + rounds):
                # Only this thread writes the counter: a rename that wrote back an older
                # record would show here as a lost epoch.
                on_disk = Run(trainer.path).record["epochs_completed"]
                assert on_disk == epoch - 1, f"epoch {epoch - 1} was lost (run.json: {on_disk})"
                trainer.update_record(epochs_completed=epoch)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    thread = threading.Thread(target=write_epochs)
    thread.start()
    names = 0
    while thread.is_alive() or names < 5:
        names += 1
        assert cli.main(["runs", "rename", run_id, f"try {names}"]) == 0
    thread.join()
    assert not failures, failures
    capsys.readouterr()
    record = Run(trainer.path).record
    assert (record["name"], record["epochs_completed"]) == (f"try {names}", 2 + rounds)


def test_a_store_of_damaged_runs_only_is_not_called_empty(capsys):
    store = RunStore()
    run = store.create("lenet5", "garbage")
    run.run_file.write_bytes(DAMAGE["garbage"])
    code, out, err = run_cli(capsys, "runs")
    assert code == 0 and "No runs yet" not in out
    assert out.strip() == f"No readable runs in {store.root} (1 damaged, named above)."
    assert str(run.path) in err
