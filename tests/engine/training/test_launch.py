"""One entry point to a training run (engine/training/launch.py): what the CLI, the GUI thread
and, later, a sweep or a queue call."""

from __future__ import annotations

import pytest

from cnnstudio.engine.store.runs import RunStore
from cnnstudio.engine.training.controls import RunControls
from cnnstudio.engine.training.events import RecordingObserver, RunFinished
from cnnstudio.engine.training.launch import (
    CPU_ONLY,
    DATA_NOTE,
    image_folder_first,
    new_session,
    prepare_devices,
    run_training,
)
from tests.engine.training.test_training import quick_config, tiny_dataset

pytestmark = pytest.mark.xdist_group("training")


def test_a_config_trains_to_a_result_with_its_notes_and_events():
    observer, notes, sessions = RecordingObserver(), [], []
    result = run_training(
        quick_config(epochs=1, device="cpu"),
        observer,
        dataset=tiny_dataset(),
        notes=notes.append,
        started=sessions.append,
    )
    assert result.status == "finished" and result.epochs_completed == 1
    assert isinstance(observer.events[-1], RunFinished)
    (session,) = sessions
    assert session.result is result
    (run,) = RunStore().list()
    assert run.record["status"] == "finished"
    assert notes == []  # a named CPU is no surprise


def test_auto_without_a_gpu_says_so_as_a_note():
    notes = []
    prepare_devices(quick_config(device="auto"), notes.append)
    from cnnstudio.engine.devices.devices import auto_choice

    if auto_choice()[0].is_gpu:
        assert notes == []
    else:
        (note,) = notes
        assert note.code == CPU_ONLY and note.text.startswith("training on the CPU (")


def test_a_device_that_is_not_there_is_refused_before_any_run():
    with pytest.raises(ValueError, match="gpu:7"):
        new_session(quick_config(device="gpu:7"))
    assert RunStore().list() == []


def test_shared_controls_stop_a_queue_of_runs_even_before_a_session_exists():
    controls = RunControls()
    controls.stop()  # a queue stopped between two runs
    config = quick_config(epochs=1, device="cpu")
    results = [run_training(config, controls=controls, dataset=tiny_dataset()) for _ in range(2)]
    assert [result.status for result in results] == ["stopped", "stopped"]
    assert all(result.epochs_completed == 0 for result in results)


def test_a_session_made_first_keeps_the_callers_controls():
    controls = RunControls()
    session = new_session(quick_config(device="cpu"), controls=controls, dataset=tiny_dataset())
    assert session.controls is controls
    session.stop()
    assert controls.stop_requested


def test_an_image_folder_is_loaded_first_and_its_notes_told(tmp_path):
    from PIL import Image

    for label in ("a", "b"):
        for index in range(4):
            path = tmp_path / "images" / label / f"{index}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("L", (28, 28), 40 * index).save(path)
    (tmp_path / "images" / "a" / "broken.png").write_bytes(b"not a picture")
    notes = []
    dataset = image_folder_first(
        quick_config(dataset=str(tmp_path / "images"), validation_fraction=0.25), notes.append
    )
    assert dataset is not None and dataset.info.num_classes == 2
    assert notes and all(note.code == DATA_NOTE for note in notes)
    assert any("skipped 1 file" in note.text for note in notes), notes
    assert image_folder_first(quick_config(dataset="mnist-5k")) is None  # the session loads it


def test_a_bad_image_folder_is_bad_input_before_any_run_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError):
        run_training(quick_config(dataset=str(tmp_path / "empty"), device="cpu"))
    assert RunStore().list() == []
