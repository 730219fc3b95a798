"""One resolver for "a run or a .keras file -> a model" (issue 20): every way a person names a
trained model gives the same file, and a run without a model says why."""

from __future__ import annotations

import pytest

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.store.trained import NoModelError, model_source, resolve_trained


def finished_run(store: RunStore, name: str = "first"):
    run = store.create("lenet5", "mnist-5k")
    run.write_record({"status": "finished", "name": name, "config": {"model": "lenet5"}})
    run.model_file.write_bytes(b"PK not really a model")  # opened later, by modelfile
    return run


def test_every_name_of_a_run_resolves_to_its_model_file(tmp_path):
    store = RunStore(tmp_path / "runs")
    run = finished_run(store)
    for spec in (run.id, run.id[:15], "first", "latest", str(run.path)):
        source = resolve_trained(spec, store)
        assert source.path == run.model_file and source.run.id == run.id, spec


def test_a_file_is_its_own_source_and_a_missing_one_is_left_to_the_opener(tmp_path):
    store = RunStore(tmp_path / "runs")
    file = tmp_path / "mine.keras"
    file.write_bytes(b"PK")
    assert resolve_trained(str(file), store).run is None
    missing = resolve_trained(str(tmp_path / "gone.keras"), store)
    assert missing.path.name == "gone.keras" and missing.run is None


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"status": "failed", "reason": "loss became NaN at epoch 2 batch 1"}, "loss_not_finite"),
        ({"status": "failed", "reason": "out of memory"}, "failed_without_model"),
        ({"status": "running"}, "no_model_yet"),
    ],
)
def test_a_run_without_a_model_says_why(tmp_path, record, code):
    store = RunStore(tmp_path / "runs")
    run = store.create("lenet5", "mnist-5k")
    run.write_record(record)
    with pytest.raises(NoModelError) as refused:
        model_source(run)
    assert refused.value.code == code and run.id in str(refused.value)
    with pytest.raises(ValueError):
        resolve_trained(run.id, store)


def test_an_unknown_name_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="no run"):
        resolve_trained("nothing-like-this", RunStore(tmp_path / "runs"))
