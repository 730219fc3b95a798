"""The one trained-model chooser (combo and menu): usable runs newest first, the bundled LeNet-5,
a .keras file by dialog, refusal with a reason and the model in use kept."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.gui.widgets import trained_models
from cnnstudio.gui.widgets.trained_models import (
    BUNDLED,
    FILE,
    FINISHED,
    RUN,
    WITH_MODEL,
    ModelSource,
    TrainedModelChooser,
    TrainedModelMenu,
    run_choices,
)


def make_run(store, started, status, *, model=True, accuracy=None):
    run = store.create("lenet5", "mnist-5k", started=started)
    record = {"status": status, "config": {"model": "lenet5", "dataset": "mnist-5k"}}
    if accuracy is not None:
        record["best"] = {"val_accuracy": accuracy}
    run.write_record(record)
    if model:
        run.model_file.write_bytes(b"model")
    return run


@pytest.fixture
def store(tmp_path):
    store = RunStore(tmp_path / "runs")
    store.old = make_run(store, 1_700_000_000, "finished", accuracy=0.9)
    store.stopped = make_run(store, 1_700_000_100, "stopped")
    store.bare = make_run(store, 1_700_000_200, "finished", model=False)
    store.new = make_run(store, 1_700_000_300, "finished")
    return store


def test_usable_runs_newest_first_by_the_views_rule(store):
    finished = run_choices(store, FINISHED)
    assert [s.location for s in finished] == [str(store.new.path), str(store.old.path)]
    assert all(s.kind == RUN for s in finished)
    assert finished[1].label == f"Run {store.old.id} (lenet5, val acc 90.0%)"
    inspected = run_choices(store, WITH_MODEL, limit=2)
    assert [s.location for s in inspected] == [str(store.new.path), str(store.stopped.path)]
    assert inspected[1].label == f"Run {store.stopped.id} (lenet5, stopped)"


def test_a_source_is_its_kind_and_location_not_its_label(tmp_path):
    path = str(tmp_path / "m.keras")
    assert ModelSource(FILE, path, "one") == ModelSource(FILE, path, "other")
    assert ModelSource() == ModelSource(BUNDLED) != ModelSource(FILE, path)


def test_the_chooser_offers_bundled_then_finished_runs_and_keeps_files(qtbot, store, tmp_path):
    chooser = TrainedModelChooser(store)
    qtbot.addWidget(chooser)
    assert [s.kind for s in chooser.sources()] == [BUNDLED, RUN, RUN]
    with qtbot.waitSignal(chooser.sourceChosen) as chosen:
        chooser.choose_file(tmp_path / "mine.keras")
    (source,) = chosen.args
    assert (source.kind, source.label) == (FILE, "File mine.keras")
    chooser.refresh()  # a file opened once stays offered
    assert chooser.sources()[-1] == source


def test_a_refused_choice_goes_back_to_the_model_in_use_and_says_why(qtbot, store, tmp_path):
    chooser = TrainedModelChooser(store)
    qtbot.addWidget(chooser)
    run = chooser.sources()[1]
    chooser.set_current(run, "run in use")
    chooser.choose_file(tmp_path / "wrong.keras")
    refused = chooser.sources()[-1]
    assert chooser.combo.currentData() == refused
    sentence = chooser.refuse(refused, "it expects 224 x 224 x 3")
    assert sentence == "Cannot use File wrong.keras: it expects 224 x 224 x 3"
    assert chooser.refusal == sentence
    assert chooser.combo.currentData() == run and chooser.current == run
    assert refused in chooser.sources()  # offered again, to retry after fixing the file
    assert chooser.description.text() == "run in use"


def test_the_chooser_without_the_bundled_model(qtbot, store):
    chooser = TrainedModelChooser(store, bundled=False, usable=WITH_MODEL)
    qtbot.addWidget(chooser)
    assert {s.kind for s in chooser.sources()} == {RUN} and len(chooser.sources()) == 3


def test_the_file_dialog_gives_a_file_source(qtbot, store, tmp_path, monkeypatch):
    picked = str(tmp_path / "picked.keras")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (picked, ""))
    chooser = TrainedModelChooser(store)
    qtbot.addWidget(chooser)
    with qtbot.waitSignal(chooser.sourceChosen) as chosen:
        chooser.open_button.click()
    assert chosen.args[0] == ModelSource(FILE, picked)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: ("", ""))
    with qtbot.assertNotEmitted(chooser.sourceChosen):
        chooser.open_button.click()  # cancelled


def test_the_menu_emits_sources_with_the_bundled_file(qtbot, store, tmp_path, monkeypatch):
    menu = TrainedModelMenu(store, usable=FINISHED)
    qtbot.addWidget(menu)
    menu.refill()
    actions = [a for a in menu.actions() if not a.isSeparator()]
    assert [a.text() for a in actions][:2] == [
        "A .keras file…",
        "The bundled LeNet-5 (trained on MNIST)",
    ]
    assert len(actions) == 4  # file, bundled, two finished runs
    with qtbot.waitSignal(menu.chosen) as chosen:
        actions[1].trigger()
    assert chosen.args[0].kind == BUNDLED and chosen.args[0].location.endswith(".keras")
    with qtbot.waitSignal(menu.chosen) as chosen:
        actions[3].trigger()
    assert chosen.args[0] == ModelSource(RUN, str(store.old.path))
    picked = str(tmp_path / "picked.keras")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (picked, ""))
    with qtbot.waitSignal(menu.chosen) as chosen:
        actions[0].trigger()
    assert chosen.args[0] == ModelSource(FILE, picked)


def test_an_unreadable_store_is_said_and_the_rest_still_offered(qtbot, store, monkeypatch):
    def unreadable():
        raise PermissionError("runs: permission denied")

    monkeypatch.setattr(store, "summaries", unreadable)
    menu = TrainedModelMenu(store)
    qtbot.addWidget(menu)
    menu.refill()
    last = menu.actions()[-1]
    assert last.text() == "Runs unavailable: runs: permission denied" and not last.isEnabled()
    chooser = TrainedModelChooser(store)
    qtbot.addWidget(chooser)
    assert [s.kind for s in chooser.sources()] == [BUNDLED]
    assert "permission denied" in chooser.combo.toolTip()


def test_no_bundled_model_in_this_installation(qtbot, store, monkeypatch):
    monkeypatch.setattr(trained_models, "bundled_model", lambda: None)
    menu = TrainedModelMenu(store)
    qtbot.addWidget(menu)
    menu.refill()
    assert "The bundled LeNet-5 (trained on MNIST)" not in [a.text() for a in menu.actions()]


def test_the_run_chooser_lists_runs_with_a_model_and_keeps_the_choice(store, qtbot):
    from cnnstudio.gui.widgets.trained_models import RunChooser

    chooser = RunChooser(store)
    qtbot.addWidget(chooser)
    listed = [chooser.itemData(i).location for i in range(chooser.count())]
    assert listed == [str(store.new.path), str(store.stopped.path), str(store.old.path)]
    with qtbot.waitSignal(chooser.runChosen) as chosen:
        assert chooser.select_run(store.old.path)
    assert chosen.args[0].location == str(store.old.path)
    newer = make_run(store, 1_700_000_400, "finished")
    chooser.refresh()  # a new run is listed first; the choice stays
    assert chooser.itemData(0).location == str(newer.path)
    assert chooser.current().location == str(store.old.path)
    assert not chooser.select_run(store.bare.path)  # no model.keras: not offered
    store.delete(store.old.id)
    with qtbot.waitSignal(chooser.runChosen):
        chooser.refresh()
    assert chooser.current() is not None and chooser.current().location != str(store.old.path)
