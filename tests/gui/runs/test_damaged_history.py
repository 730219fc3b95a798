"""Fault injection: a damaged history.jsonl never breaks the run browser or resume, and a
long one is read off the GUI thread into a bounded number of points (issue: random bytes
raised in the browser and hid the other runs; resume turned a run into failed:
UnicodeDecodeError; a 60 MB history froze the window for 5 s and added 0.7 GB)."""

from __future__ import annotations

import itertools
import json
import sys

import pytest

from cnnstudio.engine.store.history_file import read_history_file, valid_entry
from cnnstudio.engine.store.runs import RunStore, read_history
from cnnstudio.gui.runs.history_loader import MAX_DRAWN_BATCHES
from tests.gui.runs.test_run_browser import browser, make_runs  # noqa: F401

DAMAGE = {
    "random bytes": bytes(range(256)) * 64,
    "a JSON array": b"[1, 2, 3]\n[4]\n",
    "null epochs": b'{"kind": "epoch", "epoch": null, "metrics": {}}\n',
    "string epochs": b'{"kind": "epoch", "epoch": "3", "metrics": {"loss": "low"}}\n',
    "invalid UTF-8": b'{"kind": "epoch", "epoch": 1, "metrics": {"loss": 1.0}}\n\xff\xfe\x00{\n',
    "deep nesting": b"[" * 100_000 + b"\n",
}


@pytest.mark.parametrize("kind", [*DAMAGE, "a folder"])
def test_the_reader_never_raises_and_keeps_only_valid_entries(tmp_path, kind):
    path = tmp_path / "history.jsonl"
    if kind == "a folder":
        path.mkdir()
    else:
        path.write_bytes(DAMAGE[kind])
    entries = read_history(path)
    assert all(valid_entry(entry) for entry in entries)
    if kind == "invalid UTF-8":
        assert [entry["epoch"] for entry in entries] == [1]
        assert read_history_file(path).skipped == 1
    if kind == "a folder":
        assert entries == [] and read_history_file(path).problem == "not_a_file"


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_the_browser_draws_every_other_selected_run_beside_a_damaged_history(
    browser,  # noqa: F811
    qtbot,
    kind,
):
    ids = make_runs(browser.store, 3)
    damaged = browser.store.get(ids[1])
    damaged.history_file.write_bytes(DAMAGE[kind])
    browser.refresh()
    browser.select_runs(ids)
    qtbot.waitUntil(lambda: not browser.histories_pending())
    qtbot.waitUntil(lambda: {ids[0], ids[2]} <= {s.run_id for s in browser.chart.series()})


def test_a_finished_run_with_a_damaged_history_is_resumed_not_failed(tmp_path):
    from cnnstudio.engine.training.session import TrainingSession
    from tests.engine.training.test_resume import _stopped_run
    from tests.engine.training.test_training import tiny_dataset

    store = RunStore()
    _, run = _stopped_run(store, 1, epochs=2)
    run.history_file.write_bytes(DAMAGE["random bytes"])
    result = TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset()).run()
    assert result.status == "finished", result.reason
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2]  # epoch 1 from its checkpoint, epoch 2 trained again


def test_a_long_history_is_thinned_to_a_bounded_number_of_points(tmp_path):
    path = tmp_path / "history.jsonl"
    batches, epochs = 200_000, 100
    per_epoch = batches // epochs
    with path.open("w") as handle:
        step = 0
        for epoch in range(1, epochs + 1):
            for batch in range(1, per_epoch + 1):
                step += 1
                entry = {"kind": "batch", "epoch": epoch, "batch": batch, "step": step}
                handle.write(json.dumps({**entry, "loss": 1.0 / step, "accuracy": 0.5}) + "\n")
            summary = {"kind": "epoch", "epoch": epoch, "metrics": {"loss": 1.0 / epoch}}
            handle.write(json.dumps(summary) + "\n")
    read = read_history_file(path, max_batch_points=MAX_DRAWN_BATCHES)
    kept = [entry for entry in read.entries if entry["kind"] == "batch"]
    assert read.thinned and MAX_DRAWN_BATCHES <= len(kept) <= 2 * MAX_DRAWN_BATCHES
    assert [e["epoch"] for e in read.entries if e["kind"] == "epoch"] == list(range(1, 101))
    steps = [entry["step"] for entry in kept]
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] > batches * 0.99
    gaps = {b - a for a, b in itertools.pairwise(steps)}
    assert len(gaps) == 1  # evenly spread over the whole run
    # Bounded in memory: what is kept is a few thousand small dicts, not 200,000.
    held = sum(sys.getsizeof(entry) for entry in read.entries)
    assert held < 3 * 1024 * 1024
