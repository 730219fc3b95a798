"""Export through the engine's own API (it was tested only through the CLI): each format is
written, reloaded and compared; the metadata says what the export holds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnstudio.engine.store.modelfile import load_model_file
from cnnstudio.engine.store.ownership import EXPORT_MARKER
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.session import TrainingSession
from cnnstudio.engine.use.export import ExportError, export_run, sample_inputs

pytestmark = pytest.mark.xdist_group("resume")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    store = RunStore(tmp_path_factory.mktemp("export-engine") / "runs")
    config = TrainingConfig(
        epochs=1, batch_size=32, limit_batches=3, steps_per_execution=1, augment=False
    )
    result = TrainingSession(config, None, store).run()
    assert result.status == "finished", result.reason
    return store.get(result.run_id)


@pytest.mark.parametrize("fmt", ["keras", "tflite"])
def test_an_export_reloads_to_the_same_answers_and_records_what_it_holds(run, fmt, tmp_path):
    out = tmp_path / fmt
    result = export_run(run, fmt, out)
    assert result.ok and result.max_abs_diff <= result.tolerance
    assert result.path.exists() and result.folder == out
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["format"] == fmt and metadata["run_id"] == run.id
    assert metadata["input_shape"] == [32, 32, 1] and metadata["num_classes"] == 10
    assert metadata["weights"]["epoch"] == 1
    marker = json.loads((out / EXPORT_MARKER).read_text())
    assert sorted(marker["files"]) == sorted(p.name for p in out.iterdir() if p.name[0] != ".")
    if fmt == "keras":
        inputs, _ = sample_inputs(run, (32, 32, 1), count=8)
        exported = np.asarray(load_model_file(result.path)(inputs))
        trained = np.asarray(load_model_file(run.model_file)(inputs))
        assert np.abs(exported - trained).max() <= 1e-5


def test_a_bad_format_or_weights_choice_is_refused_before_any_work(run, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        export_run(run, "pickle", tmp_path / "x")
    with pytest.raises(ValueError, match="weights must be one of"):
        export_run(run, "keras", tmp_path / "x", weights="median")
    assert not (tmp_path / "x").exists()


def test_the_best_checkpoint_is_exported_with_its_epoch(run, tmp_path):
    result = export_run(run, "keras", tmp_path / "best", weights="best")
    assert result.ok and result.metadata["weights"]["rule"].startswith("best")
    with pytest.raises(ExportError):
        export_run(run, "keras", tmp_path / "best" / "metadata.json")  # a file is no folder
