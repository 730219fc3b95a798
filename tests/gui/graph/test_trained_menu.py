"""The "Open trained…" menu lists the runs that saved a model, newest first."""

from __future__ import annotations

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.gui.graph.trained_menu import TrainedMenu, trained_runs


def make_run(store: RunStore, model: str, started: float, with_model: bool):
    run = store.create(model, "mnist-5k", started=started)
    (run.checkpoints_dir / "epoch-1").write_text("")  # a run folder, even without run.json
    if with_model:
        run.model_file.write_bytes(b"not really a model")
    return run


def test_runs_with_a_model_are_offered_newest_first(qtbot, tmp_path):
    store = RunStore(tmp_path)
    old = make_run(store, "lenet5", 1_700_000_000, with_model=True)
    make_run(store, "alexnet", 1_700_000_100, with_model=False)
    new = make_run(store, "vgg11", 1_700_000_200, with_model=True)
    assert [folder for _, folder in trained_runs(store)] == [str(new.path), str(old.path)]

    menu = TrainedMenu(store)
    qtbot.addWidget(menu)
    menu.refill()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts[:2] == ["A .keras file…", "The bundled LeNet-5 (trained on MNIST)"]
    assert len(texts) == 4
    with qtbot.waitSignal(menu.chosen) as chosen:
        menu.actions()[3].trigger()  # after the file, the bundled model, a separator: newest run
    assert chosen.args == [str(new.path)]
    with qtbot.waitSignal(menu.chosen) as chosen:
        menu.actions()[1].trigger()
    assert chosen.args[0].endswith("lenet5_mnist.keras")
