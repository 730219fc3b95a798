"""Checkpoints, safe loading, run records across versions, interrupted runs, run management.

Most tests use a two-layer model (milliseconds); the end-to-end ones train the tiny set of
test_training for a few batches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from cnnstudio.engine.store.checkpoints import CheckpointError, CheckpointStore, restore
from cnnstudio.engine.store.modelfile import (
    ModelFileError,
    UnsafeModelError,
    inspect_model_file,
    load_checkpoint_arrays,
    load_model_file,
)
from cnnstudio.engine.store.runs import (
    SCHEMA_VERSION,
    Run,
    RunSchemaError,
    RunStore,
    process_alive,
    process_identity,
)
from cnnstudio.engine.training.events import EpochEnd, RecordingObserver
from cnnstudio.engine.training.session import TrainingSession
from tests.engine.training.test_training import quick_config, tiny_dataset

# Own group: runs beside the "training" group on the other worker (2 cores in CI).
pytestmark = pytest.mark.xdist_group("resume")


def small_model(seed: int = 0):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    hidden = keras.layers.Dropout(0.5, name="drop")(hidden)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(hidden)
    model = keras.Model(inputs, outputs, name="small")
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return model


def train_a_little(model, steps: int = 3) -> None:
    rng = np.random.default_rng(1)
    model.fit(
        rng.random((8 * steps, 4), dtype=np.float32),
        rng.integers(0, 3, 8 * steps),
        batch_size=8,
        epochs=1,
        verbose=0,
    )


def state_of(model) -> list[np.ndarray]:
    return [v.numpy() for v in [*model.variables, *model.optimizer.variables]]


# -- checkpoint store ------------------------------------------------------------------------


def test_a_checkpoint_restores_weights_optimizer_state_and_rng_exactly(tmp_path):
    model = small_model()
    train_a_little(model)
    store = CheckpointStore(tmp_path, keep=3)
    checkpoint = store.save(model, 1, {"best": {"epoch": 1, "val_accuracy": 0.5}, "last": {}})
    assert checkpoint.manifest["variables"]["optimizer"][0].endswith("iteration")
    assert int(model.optimizer.iterations) == 3

    fresh = small_model(seed=7)  # other initial weights, an unbuilt optimizer
    restore(fresh, store.verify(1))
    for saved, restored in zip(state_of(model), state_of(fresh), strict=True):
        np.testing.assert_array_equal(saved, restored)
    assert int(fresh.optimizer.iterations) == 3  # hence a schedule's position
    # The dropout layer's random generator state is among the model's variables.
    assert any("seed_generator" in path for path in checkpoint.manifest["variables"]["model"])


def test_keep_checkpoints_is_validated_and_round_trips_through_json():
    from cnnstudio.engine.training.config import TrainingConfig

    config = TrainingConfig(keep_checkpoints=5)
    assert TrainingConfig.from_json(config.to_json()).keep_checkpoints == 5
    assert TrainingConfig.from_dict({"epochs": 2}).keep_checkpoints == 3  # older run.json
    with pytest.raises(ValueError, match="keep_checkpoints must be a positive integer"):
        TrainingConfig(keep_checkpoints=0).validate(check_dataset=False)


def test_retention_keeps_the_last_n_and_the_best(tmp_path):
    model = small_model()
    store = CheckpointStore(tmp_path, keep=2)
    accuracies = [0.5, 0.9, 0.6, 0.7, 0.65]
    best = {}
    for epoch, accuracy in enumerate(accuracies, start=1):
        if accuracy > best.get("val_accuracy", -1):
            best = {"epoch": epoch, "val_accuracy": accuracy}
        store.save(model, epoch, {"best": best, "last": {"val_accuracy": accuracy}})
    assert store.epochs() == [2, 4, 5]
    assert store.best().epoch == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "epoch-0002.json",
        "epoch-0002.npz",
        "epoch-0004.json",
        "epoch-0004.npz",
        "epoch-0005.json",
        "epoch-0005.npz",
    ]  # no temporary files left


def test_a_truncated_checkpoint_falls_back_to_the_previous_one_with_a_warning(tmp_path):
    model = small_model()
    warnings: list[str] = []
    store = CheckpointStore(tmp_path, keep=3, warn=warnings.append)
    store.save(model, 1, {"best": {}, "last": {}})
    train_a_little(model)
    store.save(model, 2, {"best": {}, "last": {}})
    latest = store.data_path(2)
    latest.write_bytes(latest.read_bytes()[: latest.stat().st_size // 2])  # a torn copy

    checkpoint = store.latest_good()
    assert checkpoint.epoch == 1
    assert len(warnings) == 1 and "epoch-0002.npz is truncated or damaged" in warnings[0]
    assert store.epochs() == [1]  # the damaged one is aside; the next resume will not trip
    # Moved aside, never deleted: a passing read error must not destroy a checkpoint.
    quarantined = tmp_path / "quarantine"
    assert sorted(p.name for p in quarantined.iterdir()) == ["epoch-0002.json", "epoch-0002.npz"]
    assert "moved to quarantine/" in warnings[0]
    # The same size but other bytes (a bad disk): the sha256 catches it.
    data = bytearray(store.data_path(1).read_bytes())
    data[len(data) // 2] ^= 0xFF
    store.data_path(1).write_bytes(bytes(data))
    assert store.latest_good() is None
    assert "sha256 does not match" in warnings[-1]


def test_a_crash_inside_the_write_leaves_nothing_that_is_trusted(tmp_path):
    model = small_model()
    store = CheckpointStore(tmp_path, keep=3)
    store.save(model, 1, {"best": {}, "last": {}})
    # Killed between the arrays and the manifest of epoch 2, and inside a temporary write.
    store.data_path(2).write_bytes(b"PK\x03\x04 half of a file")
    (tmp_path / ".epoch-0003.npz.abc123.npz").write_bytes(b"PK\x03\x04")
    assert store.latest_good().epoch == 1
    assert store.clean_temporaries() == [".epoch-0003.npz.abc123.npz"]
    store.discard_after(1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-0001.json", "epoch-0001.npz"]


def test_a_checkpoint_from_a_newer_version_is_refused_not_skipped(tmp_path):
    store = CheckpointStore(tmp_path)
    store.save(small_model(), 1, {"best": {}, "last": {}})
    manifest = json.loads(store.manifest_path(1).read_text())
    manifest["schema_version"] = 99
    store.manifest_path(1).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="written by a newer CNN Studio"):
        store.latest_good()


def test_a_checkpoint_for_another_model_is_refused_naming_the_difference(tmp_path):
    import keras

    store = CheckpointStore(tmp_path)
    store.save(small_model(), 1, {"best": {}, "last": {}})
    other = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(5, name="hidden"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(3, name="out"),
        ]
    )
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(CheckpointError, match=r"hidden/kernel has shape \(4, 8\) there"):
        restore(other, store.verify(1))


def test_a_checkpoint_whose_variable_paths_differ_is_refused_not_loaded_by_position(tmp_path):
    import keras

    store = CheckpointStore(tmp_path)
    store.save(small_model(), 1, {"best": {}, "last": {}})
    # The same shapes in the same order, but other variables: position alone would load it.
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(8, activation="relu", name="encoder")(inputs)
    hidden = keras.layers.Dropout(0.5, name="drop")(hidden)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(hidden)
    other = keras.Model(inputs, outputs)
    other.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    before = [v.numpy() for v in other.variables]
    with pytest.raises(CheckpointError, match="'hidden/kernel' there and 'encoder/kernel'"):
        restore(other, store.verify(1))
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(before, other.variables, strict=True))
    restore(small_model(seed=3), store.verify(1))  # the same model, built again: restored


def test_a_checkpoint_is_hashed_while_written_not_read_back(tmp_path, monkeypatch):
    from cnnstudio.engine.store import checkpoints

    def no_read_back(path):
        raise AssertionError(f"{path} was read back to hash it")

    store = CheckpointStore(tmp_path)
    model = small_model()
    with monkeypatch.context() as patch:
        patch.setattr(checkpoints, "file_sha256", no_read_back)
        checkpoint = store.save(model, 1, {"best": {}, "last": {}})
    assert checkpoint.manifest["sha256"] == checkpoints.file_sha256(checkpoint.data_path)
    assert checkpoint.manifest["size"] == checkpoint.data_path.stat().st_size
    restore(small_model(seed=4), store.verify(1))  # the streamed zip reads back as written


def test_checkpoint_arrays_are_read_without_pickle(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, payload=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="Python objects"):
        load_checkpoint_arrays(path)
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04\x14\x00")
    with pytest.raises(ModelFileError, match="truncated or damaged"):
        load_checkpoint_arrays(tmp_path / "cut.npz")


# -- training writes checkpoints; a damaged one on resume ---------------------------------------


def test_training_checkpoints_every_epoch_and_resume_skips_a_truncated_one():
    store = RunStore()
    result = TrainingSession(
        quick_config(epochs=3, keep_checkpoints=2), None, store, dataset=tiny_dataset()
    ).run()
    run = store.get(result.run_id)
    record = run.record
    assert record["checkpoint"]["epoch"] == 3 and record["checkpoint"]["seconds"] > 0
    checkpoints = CheckpointStore(run.checkpoints_dir)
    assert set(checkpoints.epochs()) >= {2, 3} and len(checkpoints.epochs()) <= 3
    manifest = checkpoints.verify(3).manifest
    assert [entry["epoch"] for entry in manifest["epochs"]] == [1, 2, 3]
    assert manifest["step"] == 3 * 6 and manifest["iterations"] == 3 * 6
    # TensorBoard scalars, one point per epoch, equal to the history's.
    scalars = _tensorboard_scalars(run.path / "logs")
    history = [e for e in run.history() if e["kind"] == "epoch"]
    assert scalars["val_accuracy"] == pytest.approx(
        {e["epoch"]: e["metrics"]["val_accuracy"] for e in history}
    )
    assert set(scalars) >= {"loss", "accuracy", "val_loss", "learning_rate"}

    # A crash while copying the run, a torn last checkpoint and a leftover temporary file:
    latest = checkpoints.data_path(3)
    latest.write_bytes(latest.read_bytes()[:100])
    (run.checkpoints_dir / ".epoch-0004.npz.x1y2.npz").write_bytes(b"")
    observer = RecordingObserver()
    resumed = TrainingSession.resume_run(run.id, observer, store, epochs=4, dataset=tiny_dataset())
    outcome = resumed.run()
    assert outcome.status == "finished", outcome.reason
    assert [event.epoch for event in observer.of_type(EpochEnd)] == [3, 4]  # epoch 3 again
    log = "\n".join(run.log_lines())
    assert "WARNING: checkpoint file epoch-0003.npz is truncated or damaged" in log
    assert "WARNING: removed 1 temporary file(s)" in log
    assert "resumed from the checkpoint of epoch 2" in log
    epochs = [entry["epoch"] for entry in run.history() if entry["kind"] == "epoch"]
    assert epochs == [1, 2, 3, 4]
    assert not [p for p in run.checkpoints_dir.iterdir() if p.name.startswith(".")]


def _tensorboard_scalars(folder) -> dict[str, dict[int, float]]:
    import tensorflow as tf

    scalars: dict[str, dict[int, float]] = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                assert value.metadata.plugin_data.plugin_name == "scalars"
                scalars.setdefault(value.tag, {})[event.step] = float(tf.make_ndarray(value.tensor))
    return scalars


_DIE_INSIDE_THE_WRITE = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.session import TrainingSession
from tests.engine.training.test_training import quick_config, tiny_dataset

replace = os.replace

def replace_or_die(source, target, *args, **kwargs):
    # The temporary file of epoch 2's checkpoint is complete and fsynced: die before it
    # takes its name, as a power cut would.
    if str(target).endswith("epoch-0002.npz"):
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(source, target, *args, **kwargs)

os.replace = replace_or_die
TrainingSession(quick_config(epochs=3), None, RunStore(), dataset=tiny_dataset()).run()
"""


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="needs SIGKILL")
def test_a_kill_between_the_temporary_file_and_the_replace(cnnstudio_home):
    import signal
    from pathlib import Path

    root = Path(__file__).parents[3]
    child = subprocess.run(
        [sys.executable, "-c", _DIE_INSIDE_THE_WRITE, str(root)],
        capture_output=True,
        env={**os.environ, "CNNSTUDIO_HOME": str(cnnstudio_home)},
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    store = RunStore()
    (run,) = store.list()
    assert run.effective_status == "interrupted"
    leftovers = [p.name for p in run.checkpoints_dir.iterdir() if p.name.startswith(".")]
    assert len(leftovers) == 1 and leftovers[0].startswith(".epoch-0002.npz.")
    assert CheckpointStore(run.checkpoints_dir).epochs() == [1]

    result = TrainingSession.resume_run(run.id, None, store, dataset=tiny_dataset()).run()
    assert result.status == "finished" and result.epochs_completed == 3
    log = "\n".join(run.log_lines())
    assert "removed 1 temporary file(s) left by a write that did not finish" in log
    assert "resumed from the checkpoint of epoch 1" in log
    assert [e["epoch"] for e in run.history() if e["kind"] == "epoch"] == [1, 2, 3]
    assert not [p for p in run.checkpoints_dir.iterdir() if p.name.startswith(".")]


# -- run.json versions -----------------------------------------------------------------------


def test_a_version_1_record_is_read_and_a_newer_one_refused(tmp_path):
    store = RunStore(tmp_path)
    old = store.create("lenet5", "mnist-5k")
    # As CNN Studio wrote it before names, tags and process identity existed.
    old.run_file.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "id": old.id,
                "status": "stopped",
                "pid": 12345,
                "host": "h",
                "config": {"model": "lenet5", "dataset": "mnist-5k", "epochs": 3},
                "epochs_completed": 1,
                "best": {"val_accuracy": 0.5},
                "started": "2025-01-01T10:00",
            }
        )
    )
    record = Run(old.path).record
    assert record["tags"] == [] and record["name"] is None
    assert record["process"] == {"pid": 12345, "host": "h", "process_start": None}
    Run(old.path).rename("kept")
    assert json.loads(old.run_file.read_text())["schema_version"] == SCHEMA_VERSION

    new = store.create("lenet5", "mnist-5k")
    new.run_file.write_text(
        json.dumps(
            {
                "schema_version": SCHEMA_VERSION + 1,
                "status": "finished",
                "config": {"model": "lenet5"},
            }
        )
    )
    with pytest.raises(
        RunSchemaError,
        match=(
            rf"written by a newer CNN Studio \(run schema version {SCHEMA_VERSION + 1}; this "
            rf"version reads up to {SCHEMA_VERSION}\): update CNN Studio"
        ),
    ):
        _ = Run(new.path).record
    with pytest.raises(ValueError, match="newer CNN Studio"):
        TrainingSession.resume_run(new.id, runs=store)
    rows = {row.id: row for row in store.summaries()}
    assert rows[new.id].status == "unsupported" and "newer" in rows[new.id].reason
    assert rows[old.id].status == "stopped" and rows[old.id].name == "kept"


# -- interrupted runs ----------------------------------------------------------------------------


def test_a_running_record_whose_process_is_gone_reads_as_interrupted(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is free
    assert not process_alive(child.pid, process_identity()["host"])
    me = process_identity()
    assert process_alive(me["pid"], me["host"], me["process_start"])
    if me["process_start"] is not None:  # Linux: a recycled pid is told apart
        parent = os.getppid()
        assert not process_alive(parent, me["host"], me["process_start"] + 10**9)
    assert process_alive(child.pid, "another-host")  # cannot be checked: assumed alive

    store = RunStore(tmp_path)
    run = store.create("lenet5", "mnist-5k")
    run.write_record(
        {
            "status": "running",
            "config": {"model": "lenet5", "epochs": 2},
            "process": {**me, "pid": child.pid},
            "epochs_completed": 1,
        }
    )
    assert run.status == "running" and run.effective_status == "interrupted"
    (row,) = store.summaries()
    assert row.status == "interrupted" and row.resumable
    live = store.create("lenet5", "mnist-5k")
    live.write_record({"status": "running", "config": {"model": "lenet5"}, "process": me})
    assert live.effective_status == "running"
    with pytest.raises(ValueError, match="is still training"):
        TrainingSession.resume_run(live.id, runs=store)
    with pytest.raises(ValueError, match="still training"):
        store.delete(live.id)


# -- run management ----------------------------------------------------------------------------


def test_rename_tag_size_and_delete(tmp_path):
    store = RunStore(tmp_path)
    run = store.create("lenet5", "mnist-5k")
    run.write_record({"status": "finished", "config": {"model": "lenet5"}, "elapsed_seconds": 12.5})
    (run.path / "model.keras").write_bytes(b"x" * 1000)
    run.rename("  baseline  ")
    run.set_tags(["paper", "tanh", "paper"])
    assert run.reload()["name"] == "baseline" and run.tags == ["paper", "tanh"]
    assert store.find("baseline").id == run.id and store.find(run.id[:15]).id == run.id
    with pytest.raises(ValueError, match="one word"):
        run.set_tags(["two words"])
    with pytest.raises(ValueError, match="one line"):
        run.rename("a\nb")
    size = run.disk_size()
    assert size == 1000 + run.run_file.stat().st_size
    (row,) = store.summaries()
    assert (row.name, row.tags, row.size_bytes, row.duration_seconds) == (
        "baseline",
        ("paper", "tanh"),
        size,
        12.5,
    )
    # A rename by another process survives the trainer's next update of run.json.
    trainer = Run(run.path)
    trainer.record  # noqa: B018  (cached before the rename, as a session's handle would be)
    Run(run.path).rename("renamed meanwhile")
    trainer.update_record(epochs_completed=2)
    assert Run(run.path).record["name"] == "renamed meanwhile"

    store.delete(run.id)
    assert not run.path.exists() and store.list() == [] and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="no run"):
        store.delete(run.id)


# -- safe loading -------------------------------------------------------------------------------


def test_a_lambda_model_is_refused_with_the_reason(tmp_path):
    import keras

    inputs = keras.Input((4,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(UnsafeModelError, match="Lambda layer") as refused:
        load_model_file(path)
    assert "unsafe deserialisation" in str(refused.value)
    assert "safe_mode=False" in str(refused.value)


def test_bad_model_files_give_clear_errors(tmp_path):
    import keras

    good = tmp_path / "good.keras"
    model = small_model()
    model.save(good)
    loaded = load_model_file(good)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])

    cases = {
        "notes.keras": (b"just some text\n", "not a Keras model file"),
        "empty.keras": (b"", "empty"),
        "legacy.h5": (b"\x89HDF\r\n\x1a\n" + b"\0" * 64, "legacy HDF5"),
        "truncated.keras": (good.read_bytes()[: good.stat().st_size // 2], "truncated or damaged"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelFileError, match=message):
            load_model_file(path)
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match=r"lacks config\.json"):
        load_model_file(tmp_path / "other.keras")
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model_file(tmp_path / "missing.keras")

    # Written by a future Keras: same archive, newer version in its metadata.
    newer = tmp_path / "newer.keras"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(newer, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "metadata.json":
                data = json.dumps({"keras_version": "99.0.0"}).encode()
            target.writestr(item, data)
    with pytest.raises(ModelFileError, match=r"written by Keras 99\.0\.0, a newer major"):
        load_model_file(newer)
    assert inspect_model_file(good)["keras_version"] == keras.__version__
