"""The run browser: lists runs with their facts, overlays selected runs, renames, tags,
deletes (after asking), resumes an interrupted run through the training view."""

from __future__ import annotations

import json

import pytest

from cnnstudio.gui.runs.run_table import RUN_ID_ROLE, RunTableModel
from tests.gui.training_helpers import panel_fixture, quick_form  # noqa: F401  (fixture)


def make_runs(store, count: int) -> list[str]:
    """Run folders as the engine writes them, without training (fast)."""
    ids = []
    for index in range(count):
        run = store.create("lenet5", "mnist-5k", started=1_700_000_000 + index)
        run.write_record(
            {
                "status": "finished",
                "reason": None,
                "name": None,
                "tags": [],
                "config": {"model": "lenet5", "dataset": "mnist-5k", "epochs": 2},
                "started": f"2026-01-0{index + 1}T10:00:00+00:00",
                "elapsed_seconds": 10.0 * index,
                "epochs_completed": 2,
                "best": {"epoch": 2, "val_accuracy": 0.9 + index / 100},
                "steps_per_epoch": 2,
            }
        )
        run.append_history(
            [
                {"kind": "batch", "epoch": 1, "batch": 2, "step": 2, "loss": 2.0, "accuracy": 0.3},
                {
                    "kind": "epoch",
                    "epoch": 1,
                    "metrics": {"loss": 1.0, "accuracy": 0.6, "val_loss": 0.9, "val_accuracy": 0.7},
                    "learning_rate": 0.005,
                },
                {"kind": "batch", "epoch": 2, "batch": 2, "step": 4, "loss": 0.8, "accuracy": 0.8},
                {
                    "kind": "epoch",
                    "epoch": 2,
                    "metrics": {
                        "loss": 0.5,
                        "accuracy": 0.85,
                        "val_loss": 0.4,
                        "val_accuracy": 0.9,
                    },
                    "learning_rate": 0.004,
                },
            ]
        )
        ids.append(run.id)
    return ids


@pytest.fixture
def browser(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.runs.run_browser import RunBrowser

    widget = RunBrowser(StudioContext())
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    yield widget
    widget.shutdown()


def cell(browser, run_id: str, column: int) -> str:
    for row in range(browser.proxy.rowCount()):
        if browser.proxy.index(row, 0).data(RUN_ID_ROLE) == run_id:
            return browser.proxy.index(row, column).data()
    raise AssertionError(f"{run_id} not listed")


def test_lists_every_run_with_its_facts_and_sorts_by_value(browser):
    ids = make_runs(browser.store, 3)
    browser.refresh()
    assert browser.proxy.rowCount() == 3
    assert cell(browser, ids[2], RunTableModel.BEST) == "92.00%"
    assert cell(browser, ids[2], RunTableModel.STATUS) == "finished"
    assert cell(browser, ids[1], RunTableModel.DURATION) == "10 s"
    assert cell(browser, ids[0], RunTableModel.SIZE).endswith("B")
    browser.table.sortByColumn(RunTableModel.BEST, browser.proxy.sortOrder().AscendingOrder)
    assert browser.proxy.index(0, 0).data(RUN_ID_ROLE) == ids[0]
    browser.filter_edit.setText(ids[1][:15])  # its start time: unique here
    assert browser.proxy.rowCount() == 1


def test_selected_runs_are_overlaid_and_one_shows_its_config(browser, qtbot):
    ids = make_runs(browser.store, 2)
    browser.refresh()
    browser.select_runs(ids)
    # Histories are read off the GUI thread: wait for them, not for time.
    qtbot.waitUntil(lambda: {s.run_id for s in browser.chart.series()} == set(ids))
    assert browser.chart.colour_of(ids[0]) != browser.chart.colour_of(ids[1])
    browser.select_runs([ids[0]])
    assert [series.run_id for series in browser.chart.series()] == [ids[0]]
    assert '"epochs": 2' in browser.config_view.toPlainText()
    assert "history.jsonl" in browser.tensorboard_label.text()
    assert not browser.buttons["resume"].isEnabled()  # a finished run has nothing to resume


def test_rename_tag_and_delete_after_asking(browser):
    ids = make_runs(browser.store, 2)
    browser.refresh()
    browser.rename_run(ids[0], "baseline")
    browser.set_run_tags(ids[0], ["paper", "tanh"])
    assert cell(browser, ids[0], RunTableModel.NAME) == "baseline"
    assert cell(browser, ids[0], RunTableModel.TAGS) == "paper tanh"
    browser.select_runs([ids[1]])
    browser.confirm = lambda text: False
    browser.buttons["delete"].click()
    assert browser.proxy.rowCount() == 2
    questions = []
    browser.confirm = lambda text: questions.append(text) or True
    browser.buttons["delete"].click()
    assert ids[1] in questions[0] and browser.proxy.rowCount() == 1
    assert not (browser.store.root / ids[1]).exists()


def test_a_damaged_run_shows_as_damaged_and_can_be_opened_and_deleted(browser, monkeypatch):
    from cnnstudio.gui.runs import run_browser

    (good,) = make_runs(browser.store, 1)
    damaged = browser.store.create("lenet5", "mnist-5k")
    damaged.run_file.write_text('{"status": "finished", "config": "x"}')
    browser.refresh()
    assert browser.proxy.rowCount() == 2  # the healthy run is not hidden by the damaged one
    assert cell(browser, good, RunTableModel.STATUS) == "finished"
    assert cell(browser, damaged.id, RunTableModel.STATUS) == "damaged"

    browser.select_runs([damaged.id])
    assert "config should be an object" in browser.config_view.toPlainText()
    assert not browser.buttons["rename"].isEnabled() and not browser.buttons["tags"].isEnabled()
    assert not browser.buttons["resume"].isEnabled()
    opened = []
    monkeypatch.setattr(run_browser.QDesktopServices, "openUrl", opened.append)
    browser.buttons["folder"].click()
    assert [url.toLocalFile() for url in opened] == [str(damaged.path)]
    browser.confirm = lambda text: True
    browser.buttons["delete"].click()
    assert not damaged.path.exists() and browser.proxy.rowCount() == 1


def test_an_interrupted_run_resumes_through_the_training_view(panel, qtbot):
    from cnnstudio.gui.runs.run_browser import RunBrowser

    browser = RunBrowser(panel.context)
    qtbot.addWidget(browser)
    browser.resumeRequested.connect(panel.resume_run)
    quick_form(panel, epochs=3, batches=2)
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        panel.train_button.click()
        qtbot.waitUntil(
            lambda: panel.series is not None and len(panel.series.epoch_x) >= 1, timeout=120_000
        )
        panel.stop()
    run = panel.context.run_store.list()[-1]
    # Pretend the process died mid-run: run.json still says running, its process is gone.
    record = json.loads(run.run_file.read_text())
    record.update(status="running", process={"pid": 2**22 + 7, "host": None, "process_start": None})
    run.run_file.write_text(json.dumps(record))
    browser.refresh()
    assert cell(browser, run.id, RunTableModel.STATUS) == "interrupted"
    browser.select_runs([run.id])
    assert browser.buttons["resume"].isEnabled()
    done = record["epochs_completed"]
    with qtbot.waitSignal(panel.trainingFinished, timeout=120_000):
        browser.buttons["resume"].click()
    assert panel.status == "finished", panel.reason
    assert panel.series.run_id == run.id and panel.series.epoch_x == [1.0, 2.0, 3.0]
    final = json.loads(run.run_file.read_text())
    assert final["status"] == "finished" and final["epochs_completed"] == 3 > done
    assert cell(browser, run.id, RunTableModel.STATUS) == "finished"

    # Export on a worker thread, with progress lines and the round-trip check's result.
    browser.select_runs([run.id])
    with qtbot.waitSignal(browser.exportFinished, timeout=120_000):
        assert browser.export_selected("keras")
        assert not browser.export_panel.export_button.isEnabled()  # one at a time
    log = browser.export_panel.log.toPlainText()
    assert "OK: exported keras" in log and "largest difference" in log, log
    assert (run.path / "exports" / "keras" / "model.keras").is_file()
    assert "Weights: epoch 3 (last epoch)" in log, log
    assert browser.export_panel.export_button.isEnabled()

    # The best epoch (by validation accuracy) from its checkpoint, into its own folder.
    combo = browser.export_panel.weights_combo
    combo.setCurrentIndex(combo.findData("best"))
    best_epoch = final["best"]["epoch"]
    with qtbot.waitSignal(browser.exportFinished, timeout=120_000):
        assert browser.export_selected("keras")
    log = browser.export_panel.log.toPlainText()
    assert f"Weights: epoch {best_epoch} (best val_accuracy checkpoint)" in log, log
    assert (run.path / "exports" / "keras-best" / "model.keras").is_file()
