"""What a resume continues from, decided before anything is written: the image folder a run
trained on (recorded absolute, named when gone) and a trainer that may still run elsewhere."""

from __future__ import annotations

import shutil

import pytest

from cnnstudio.engine.config import TrainingConfig
from cnnstudio.engine.resume import resume_config
from cnnstudio.engine.run_liveness import Heartbeat, process_identity
from cnnstudio.engine.runs import RunStore


def stopped_run(store: RunStore, config: TrainingConfig, **fields):
    run = store.create(config.model, config.dataset)
    run.write_record(
        {"status": "stopped", "config": config.to_dict(), "epochs_completed": 1, **fields}
    )
    return run


def test_an_image_folder_is_recorded_absolute_and_a_gone_one_is_named(tmp_path, monkeypatch):
    folder = tmp_path / "images"
    for name in ("cats", "dogs"):
        (folder / name).mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    config = TrainingConfig(dataset="images", epochs=3).validate()
    assert config.dataset == str(folder)  # as typed ("images") would not be found from elsewhere
    prefixed = TrainingConfig(dataset="folder:images", epochs=3).validate()
    assert prefixed.dataset == f"folder:{folder}"
    run = stopped_run(RunStore(tmp_path / "runs"), config)

    monkeypatch.chdir(elsewhere)
    assert resume_config(run, None).dataset == str(folder)
    shutil.rmtree(folder)
    with pytest.raises(ValueError, match=rf"image folder {folder}, which no longer exists"):
        resume_config(run, None)


def test_a_relative_folder_from_an_older_version_says_where_to_resume_from(tmp_path):
    config = TrainingConfig(dataset="mnist-5k", epochs=3).validate()
    config = config.replace(dataset="data/my-images")  # as typed, before paths were absolute
    run = stopped_run(RunStore(tmp_path / "runs"), config)
    with pytest.raises(ValueError, match="relative to the directory it was started in"):
        resume_config(run, None)


def test_a_run_training_on_another_host_resumes_only_with_force(tmp_path):
    config = TrainingConfig(dataset="mnist-5k", epochs=3).validate()
    process = {**process_identity(), "host": "another-machine.example"}
    run = stopped_run(RunStore(tmp_path / "runs"), config, status="running", process=process)
    Heartbeat(run.path).beat()
    with pytest.raises(ValueError, match=r"still training .*another-machine.example.*--force"):
        resume_config(run, None)
    assert resume_config(run, None, force=True).epochs == 3
