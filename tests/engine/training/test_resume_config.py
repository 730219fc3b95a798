"""What a resume continues from, decided before anything is written: the image folder a run
trained on (recorded absolute, named when gone) and a trainer that may still run elsewhere."""

from __future__ import annotations

import shutil

import pytest

from cnnstudio.engine.store.run_liveness import Heartbeat, process_identity
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.resume import resume_config


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


def scalar_steps(folder) -> list[int]:
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    steps = []
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for raw in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(bytes(raw.numpy()))
            if event.HasField("summary"):
                steps.append(event.step)
    return steps


def test_tensorboard_logs_are_cut_back_to_the_checkpoint_a_resume_continues_from(tmp_path):
    import tensorflow as tf

    from cnnstudio.engine.training.resume import cut_scalar_logs

    config = TrainingConfig(dataset="mnist-5k", epochs=5).validate()
    run = stopped_run(RunStore(tmp_path / "runs"), config)
    # Epochs 1-3 logged; the checkpoint of epoch 3 was never written (killed in between).
    writer = tf.summary.create_file_writer(str(run.path / "logs"))
    with writer.as_default():
        for epoch in (1, 2, 3):
            tf.summary.write("loss", tf.constant(1.0 / epoch), step=epoch)
    writer.close()
    assert scalar_steps(run.path / "logs") == [1, 2, 3]

    assert cut_scalar_logs(run, 2) == 1
    assert scalar_steps(run.path / "logs") == [1, 2]  # epoch 3 is redone, not doubled
    assert cut_scalar_logs(run, 2) == 0  # nothing more to cut: the file is left alone
    assert not [p.name for p in (run.path / "logs").iterdir() if p.name.startswith(".")]
