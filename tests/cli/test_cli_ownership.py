"""Fault injection: export and delete touch only what CNN Studio wrote (issue: a user's project
folder with a metadata.json was replaced by an export; a folder with a history.jsonl outside
the store was deleted)."""

from __future__ import annotations

import json

import pytest

from cnnstudio import cli
from cnnstudio.engine.store.ownership import (
    EXPORT_MARKER,
    NotOursError,
    check_export_replaceable,
    check_run_deletable,
    is_our_leftover,
    mark_staging,
)
from cnnstudio.engine.store.runs import RunStore
from tests.cli.test_cli_runs import trained_run  # noqa: F401  (the shared module fixture)

pytestmark = pytest.mark.xdist_group("resume")


def tree(folder):
    return sorted(
        (str(path.relative_to(folder)), path.read_bytes() if path.is_file() else None)
        for path in folder.rglob("*")
    )


def users_project(folder):
    """A folder a person keeps: their own metadata.json among other files and folders."""
    folder.mkdir()
    (folder / "metadata.json").write_text('{"project": "thesis"}')
    (folder / "notes.txt").write_text("three months of notes")
    (folder / "data").mkdir()
    (folder / "data" / "cat.png").write_bytes(b"\x89PNG not really")
    return tree(folder)


def test_an_export_never_replaces_a_users_folder_that_has_a_metadata_json(
    trained_run,  # noqa: F811
    tmp_path,
    capsys,
):
    project = tmp_path / "project"
    before = users_project(project)
    code = cli.main(["export", str(trained_run.path), "--format", "keras", "--out", str(project)])
    err = capsys.readouterr().err
    assert code != 0
    assert "not an export of CNN Studio" in err and str(project) in err
    assert tree(project) == before  # nothing lost, nothing added
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_an_export_replaces_its_own_earlier_export_but_not_once_a_user_added_a_file(
    trained_run,  # noqa: F811
    tmp_path,
    capsys,
):
    out = tmp_path / "mine"
    for _ in range(2):  # the second replaces the first: it is ours, file for file
        assert (
            cli.main(["export", str(trained_run.path), "--format", "keras", "--out", str(out)]) == 0
        )
    marker = json.loads((out / EXPORT_MARKER).read_text())
    assert sorted(marker["files"]) == ["README.md", "metadata.json", "model.keras"]
    (out / "my-results.csv").write_text("accuracy,0.99")
    capsys.readouterr()
    assert cli.main(["export", str(trained_run.path), "--format", "keras", "--out", str(out)]) != 0
    assert "my-results.csv" in capsys.readouterr().err
    assert (out / "my-results.csv").read_text() == "accuracy,0.99"
    assert (out / "model.keras").is_file()


def test_an_export_stopped_half_way_is_cleaned_up_by_the_next_and_a_users_hidden_folder_is_not(
    trained_run,  # noqa: F811
    tmp_path,
):
    from cnnstudio.engine.use.export import export_run

    exports = trained_run.exports_dir
    exports.mkdir(exist_ok=True)
    ours = exports / ".savedmodel.tmp-0123456789ab"  # as SIGTERM during an export leaves it
    ours.mkdir()
    mark_staging(ours, trained_run.id, "savedmodel")
    (ours / "saved_model.pb").write_bytes(b"half")
    theirs = exports / ".keras.tmp-notes"  # the same shape of name, but no marker of ours
    theirs.mkdir()
    (theirs / "keep.txt").write_text("mine")
    result = export_run(trained_run, "keras")
    assert result.ok, result.message
    assert not ours.exists()
    assert (theirs / "keep.txt").read_text() == "mine"


def test_runs_delete_refuses_a_folder_outside_the_store_and_keeps_every_file(tmp_path, capsys):
    RunStore().root.mkdir(parents=True, exist_ok=True)
    project = tmp_path / "my-project"
    users_project(project)
    (project / "history.jsonl").write_text('{"kind": "epoch", "epoch": 1}\n')
    (project / "checkpoints").mkdir()
    (project / "checkpoints" / "weights.h5").write_bytes(b"weights")
    before = tree(project)
    code = cli.main(["runs", "delete", str(project), "--yes"])
    err = capsys.readouterr().err
    assert code == 2 and "not a run of the run store" in err and str(project) in err
    assert tree(project) == before


def test_only_runs_of_the_store_are_deletable(tmp_path):
    store = RunStore(tmp_path / "runs")
    run = store.create("lenet5", "mnist-5k")
    run.write_record({"status": "finished", "config": {"model": "lenet5"}})
    check_run_deletable(run.path, store.root)  # ours

    copied = store.root / "20260101-000000-lenet5-mnist-5k"
    copied.mkdir()
    (copied / "run.json").write_text(json.dumps({"id": "someone-else", "status": "finished"}))
    with pytest.raises(NotOursError) as refused:
        check_run_deletable(copied, store.root)
    assert refused.value.code == "foreign_id"

    odd = store.root / "holiday-photos"
    odd.mkdir()
    (odd / "history.jsonl").write_text("{}\n")
    with pytest.raises(NotOursError) as refused:
        store.delete(store.get("holiday-photos"))
    assert refused.value.code == "not_run_name" and odd.is_dir()

    link = store.root / "20260101-000001-lenet5-mnist-5k"
    link.symlink_to(run.path)
    with pytest.raises(NotOursError) as refused:
        check_run_deletable(link, store.root)
    assert refused.value.code == "link" and run.path.is_dir()

    store.delete(run)
    assert not run.path.exists()


def test_an_export_folder_is_replaceable_only_when_it_holds_just_what_its_marker_lists(tmp_path):
    check_export_replaceable(tmp_path / "absent")
    empty = tmp_path / "empty"
    empty.mkdir()
    check_export_replaceable(empty)
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / EXPORT_MARKER).write_text('{"kind": "something else", "files": []}')
    with pytest.raises(NotOursError):
        check_export_replaceable(forged)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotOursError):
        check_export_replaceable(a_file)
    hidden = tmp_path / ".x.tmp-abc"
    hidden.mkdir()
    assert not is_our_leftover(hidden)  # our name, but no marker: left alone
    mark_staging(hidden, "run", "keras")
    assert is_our_leftover(hidden)
