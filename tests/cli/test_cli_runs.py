"""`cnnstudio resume`, `runs` (list, rename, tag, delete), `export` and `predict`, in-process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import numpy as np
import pytest

from cnnstudio import cli
from cnnstudio.cli.progress import ConsoleProgress
from cnnstudio.engine.store.runs import RunStore, process_identity
from cnnstudio.engine.training.config import TrainingConfig
from cnnstudio.engine.training.session import TrainingSession

# Own group: runs beside the "training" group on the other worker (2 cores in CI).
pytestmark = pytest.mark.xdist_group("resume")

QUICK = [
    "--epochs",
    "2",
    "--limit-batches",
    "3",
    "--batch-size",
    "32",
    "--steps-per-execution",
    "1",
    "--no-augment",
]


def test_resume_continues_a_run_stopped_with_ctrl_c(capsys, monkeypatch):
    from cnnstudio.engine.training.events import BatchEnd

    original = ConsoleProgress.on_event
    sent = []

    def interrupt_in_epoch_2(self, event):
        original(self, event)
        if isinstance(event, BatchEnd) and event.epoch == 2 and not sent:
            sent.append(True)
            signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C

    monkeypatch.setattr(ConsoleProgress, "on_event", interrupt_in_epoch_2)
    assert cli.main(["train", *QUICK]) == 130
    out = capsys.readouterr().out
    assert "Stopped after 1 epochs" in out
    (run,) = RunStore().list()
    assert run.record["status"] == "stopped"
    monkeypatch.setattr(ConsoleProgress, "on_event", original)

    assert cli.main(["resume", run.id[:15]]) == 0  # the start of the id is enough
    out = capsys.readouterr().out
    assert "Resuming after epoch 1 (its checkpoint)" in out
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["2/2"]
    assert "Finished after 2 epochs" in out and f"Run folder: {run.path}" in out
    history = run.history()
    assert [e["epoch"] for e in history if e["kind"] == "epoch"] == [1, 2]
    assert [e["epoch"] for e in history if e["kind"] == "batch"] == [1, 1, 1, 2, 2, 2]

    # Finished: a clear one-line refusal, exit 2.
    assert cli.main(["resume", run.id]) == 2
    err = capsys.readouterr().err
    assert "nothing to resume" in err and len(err.strip().splitlines()) == 1


def test_runs_lists_status_reason_size_and_manages_names_tags_and_deletion(capsys, monkeypatch):
    store = RunStore()
    failed = store.create("lenet5", "mnist-5k", started=0)
    failed.write_record(
        {
            "status": "failed",
            "reason": "loss became NaN at epoch 3 batch 7",
            "config": {"model": "lenet5", "dataset": "mnist-5k"},
            "epochs_completed": 2,
            "started": "2026-01-01T10:00:00+00:00",
        }
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    crashed = store.create("resnet18", "cifar10", started=60)
    crashed.write_record(
        {
            "status": "running",
            "config": {"model": "resnet18", "dataset": "cifar10"},
            "process": {**process_identity(), "pid": gone.pid},
            "epochs_completed": 5,
            "started": "2026-01-01T10:01:00+00:00",
        }
    )
    (crashed.checkpoints_dir / "epoch-0005.npz").write_bytes(b"\0" * 2_500_000)

    assert cli.main(["runs", "rename", failed.id, "first try"]) == 0
    assert cli.main(["runs", "tag", failed.id, "paper", "tanh"]) == 0
    assert cli.main(["runs", "tag", failed.id, "tanh", "--remove"]) == 0
    capsys.readouterr()
    assert cli.main(["runs"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line[:2] == "19"}
    assert "failed: loss became NaN at epoch 3 batch 7" in rows[failed.id]
    assert "first try #paper" in rows[failed.id] and "#tanh" not in rows[failed.id]
    assert "interrupted" in rows[crashed.id] and "2.5 MB" in rows[crashed.id]
    assert "cnnstudio resume RUN" in out

    # Deleting asks; without a terminal it needs --yes.
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115
    assert cli.main(["runs", "delete", crashed.id]) == 2
    assert "pass --yes" in capsys.readouterr().err
    assert crashed.path.is_dir()
    assert cli.main(["runs", "delete", crashed.id, "--yes"]) == 0
    assert not crashed.path.exists()
    assert [run.id for run in store.list()] == [failed.id]
    assert cli.main(["runs", "tag", failed.id, "two,tags"]) == 2
    assert cli.main(["runs", "delete", "nope", "--yes"]) == 2


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """One short LeNet-5 run on mnist-5k, shared by the export and predict tests."""
    store = RunStore(tmp_path_factory.mktemp("exports") / "runs")
    config = TrainingConfig(
        model="lenet5",
        dataset="mnist-5k",
        epochs=2,
        batch_size=64,
        limit_batches=12,
        steps_per_execution=4,
        augment=False,
    )
    result = TrainingSession(config, None, store).run()
    assert result.status == "finished", result.reason
    return store.get(result.run_id)


@pytest.mark.parametrize("fmt", ["savedmodel", "keras", "tflite"])
def test_export_round_trips_with_the_difference_reported(trained_run, fmt, capsys, tmp_path):
    out = tmp_path / f"export-{fmt}"
    assert cli.main(["export", str(trained_run.path), "--format", fmt, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Exported {fmt}:" in printed and ": OK" in printed
    assert "64 validation images of mnist-5k" in printed
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["check"]["ok"] and metadata["check"]["max_abs_diff"] <= 1e-4
    assert metadata["input_shape"] == [32, 32, 1]
    assert metadata["class_names"] == [str(digit) for digit in range(10)]
    assert "zero-padded from 28x28 to 32x32" in metadata["preprocessing"]["fit"]
    assert "[0, 1]" in (out / "README.md").read_text()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_onnx_export_round_trips(trained_run):
    pytest.importorskip("tf2onnx")
    pytest.importorskip("onnxruntime")
    from cnnstudio.engine.use.export import export_run

    result = export_run(trained_run, "onnx")
    assert result.ok, result.message
    assert result.path == trained_run.exports_dir / "onnx" / "model.onnx"
    assert result.max_abs_diff <= 1e-4 and result.samples == 64
    import onnxruntime

    session = onnxruntime.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    (onnx_input,) = session.get_inputs()
    assert onnx_input.shape[1:] == [32, 32, 1]


def test_onnx_without_its_packages_names_the_extra(trained_run, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import tf2onnx now raises ImportError
    assert cli.main(["export", str(trained_run.path), "--format", "onnx"]) == 1
    err = capsys.readouterr().err
    assert "pip install 'cnnstudio[onnx]'" in err and len(err.strip().splitlines()) == 1


def test_an_export_that_does_not_match_is_not_installed(trained_run, tmp_path):
    from cnnstudio.engine.use.export import export_run

    out = tmp_path / "strict"
    # A negative tolerance no export can meet: the failure path, deterministically.
    result = export_run(trained_run, "keras", out, tolerance=-1.0)
    assert not result.ok and "does not match the trained model" in result.message
    assert "nothing was installed" in result.message
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(ValueError, match="format must be one of"):
        export_run(trained_run, "pickle")


def test_predict_prints_top_classes_preprocessed_as_in_training(trained_run, tmp_path, capsys):
    from PIL import Image

    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit
    from cnnstudio.engine.store.modelfile import load_model_file
    from cnnstudio.engine.use.inference import Predictor

    validation = load_dataset("mnist-5k").validation
    paths = []
    for index in range(3):
        path = tmp_path / f"digit{index}.png"
        Image.fromarray(validation.images[index, :, :, 0]).save(path)
        paths.append(str(path))
    rgb = tmp_path / "digit_rgb.png"  # an RGB file of the same digit: converted to grayscale
    Image.fromarray(validation.images[0, :, :, 0]).convert("RGB").save(rgb)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")

    assert (
        cli.main(
            [
                "predict",
                "--model",
                str(trained_run.path),
                *paths,
                str(rgb),
                str(broken),
                "--top",
                "2",
            ]
        )
        == 1  # the broken file: the others answered, the status says one was not
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Model: run {trained_run.id} (model.keras)"
    assert lines[-1].startswith(f"{broken}: skipped (")

    # The probabilities are the model's on the training pipeline's own images.
    model = load_model_file(trained_run.model_file)
    fitted = fit_images_numpy(validation.images[:3], plan_fit((28, 28, 1), (32, 32, 1)))
    expected = np.asarray(model(fitted, training=False))
    predictor = Predictor.from_run(trained_run)
    for row, path in enumerate(paths):
        best = int(np.argmax(expected[row]))
        assert lines[1 + row].startswith(f"{path}: {best} {expected[row, best]:.1%}  ")
        (prediction,) = predictor.predict_files([path], top=1)
        assert prediction.top[0][1] == pytest.approx(float(expected[row, best]), abs=1e-6)
    assert lines[4].split(": ")[1] == lines[1].split(": ")[1]  # RGB file, same answer

    # A model file works too: in its run folder, or exported with its metadata.json, it is
    # preprocessed as the run's data set was (28x28 padded to 32x32, not resized).
    assert (
        cli.main(["predict", "--model", str(trained_run.model_file), paths[0], "--top", "2"]) == 0
    )
    assert capsys.readouterr().out.splitlines()[1] == lines[1]
    from cnnstudio.engine.use.export import export_run

    exported = export_run(trained_run, "keras", tmp_path / "exported")
    assert cli.main(["predict", "--model", str(exported.path), paths[0], "--top", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == lines[1]
    import keras

    inputs = keras.Input((32, 32, 1))
    unsafe = tmp_path / "unsafe.keras"
    keras.Model(inputs, keras.layers.Lambda(lambda x: x)(inputs)).save(unsafe)
    assert cli.main(["predict", "--model", str(unsafe), paths[0]]) == 2
    assert "Lambda layer" in capsys.readouterr().err

    # --model latest: the newest finished run; with none, a one-line error. (Without --model:
    # the bundled LeNet-5, tests/cli/test_cli_predict_digits.py.)
    latest = Predictor.latest(RunStore(trained_run.path.parent))
    assert latest.description == f"run {trained_run.id} (model.keras)"
    assert cli.main(["predict", "--model", "latest", paths[0]]) == 2
    assert "no finished run with a model" in capsys.readouterr().err


def test_exports_say_which_epoch_they_hold_and_the_best_epoch_can_be_exported(
    trained_run, tmp_path, capsys
):
    import shutil

    from cnnstudio.engine.store.modelfile import load_checkpoint_arrays, load_model_file
    from cnnstudio.engine.use.export import ExportError, export_run

    # A copy of the shared run whose epoch 1 is made the best by its manifest (the arrays'
    # sha256 covers the .npz only), so that the best epoch and the last one differ.
    runs = tmp_path / "runs"
    shutil.copytree(trained_run.path, runs / trained_run.id)
    run = RunStore(runs).get(trained_run.id)
    manifest_path = run.checkpoints_dir / "epoch-0001.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["last"]["val_accuracy"] = 1.0
    manifest_path.write_text(json.dumps(manifest))

    final = export_run(run, "keras")
    assert final.metadata["weights"]["epoch"] == 2
    assert final.metadata["weights"]["rule"] == "last epoch"
    assert "* Weights: epoch 2 (last epoch)" in (final.folder / "README.md").read_text()

    assert cli.main(["export", str(run.path), "--format", "keras", "--best"]) == 0
    printed = capsys.readouterr().out
    assert "Weights: epoch 1 (best val_accuracy checkpoint): val_accuracy 1.0000" in printed
    best_folder = run.exports_dir / "keras-best"
    metadata = json.loads((best_folder / "metadata.json").read_text())
    assert metadata["weights"]["epoch"] == 1 and metadata["check"]["ok"]
    # The best export holds epoch 1's weights, not model.keras's (epoch 2).
    arrays = load_checkpoint_arrays(run.checkpoints_dir / "epoch-0001.npz")
    paths = manifest["variables"]["model"]
    epoch1 = arrays[
        sorted(k for k in arrays if k.startswith("model/"))[paths.index("c1_conv/kernel")]
    ]
    kernel = {v.path: v for v in load_model_file(best_folder / "model.keras").variables}
    final_kernel = {v.path: v for v in load_model_file(run.model_file).variables}
    np.testing.assert_array_equal(np.asarray(kernel["c1_conv/kernel"]), epoch1)
    assert not np.array_equal(np.asarray(final_kernel["c1_conv/kernel"]), epoch1)

    # No usable checkpoint: the best epoch cannot be had, and the message says what can.
    shutil.rmtree(run.checkpoints_dir)
    with pytest.raises(ExportError, match=r"no usable checkpoint.*without --best"):
        export_run(run, "keras", weights="best")


def test_resume_past_a_damaged_checkpoint_says_so_on_screen(capsys, monkeypatch):
    from cnnstudio.engine.training.events import BatchEnd

    original = ConsoleProgress.on_event

    def interrupt_in_epoch_3(self, event):
        original(self, event)
        if isinstance(event, BatchEnd) and event.epoch == 3:
            signal.raise_signal(signal.SIGINT)  # as if the user pressed Ctrl-C

    monkeypatch.setattr(ConsoleProgress, "on_event", interrupt_in_epoch_3)
    assert cli.main(["train", *QUICK, "--epochs", "3"]) == 130
    monkeypatch.setattr(ConsoleProgress, "on_event", original)
    (run,) = RunStore().list()
    newest = run.checkpoints_dir / "epoch-0002.npz"
    newest.write_bytes(newest.read_bytes()[:100])  # a truncated copy, a bad disk
    capsys.readouterr()

    assert cli.main(["resume", run.id]) == 0
    captured = capsys.readouterr()
    assert "Resuming after epoch 1 (its checkpoint)" in captured.out
    (warning,) = [line for line in captured.err.splitlines() if "warning" in line]
    assert warning.startswith("cnnstudio: warning: checkpoint file epoch-0002.npz")
    assert "moved to quarantine/" in warning and "using the previous checkpoint" in warning


def test_predict_latest_names_the_newer_runs_it_passed_over_and_why(trained_run, tmp_path, capsys):
    import shutil

    from PIL import Image

    runs = tmp_path / "runs"
    shutil.copytree(trained_run.path, runs / trained_run.id)
    store = RunStore(runs)
    stopped = store.create("lenet5", "mnist-5k")
    stopped.write_record({"status": "stopped", "config": {"model": "lenet5"}})
    damaged = store.create("lenet5", "mnist-5k")
    damaged.run_file.write_bytes(b"\x00garbage")
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28), 0).save(image)

    from cnnstudio.engine.use.inference import Predictor

    described = Predictor.latest(store).description
    assert described.startswith(f"run {trained_run.id} (model.keras); passed over newer: ")
    assert f"{damaged.id} (unreadable: " in described and f"{stopped.id} (stopped)" in described
    assert described.index(f"{damaged.id} (") < described.index(f"{stopped.id} (")  # newest first

    shutil.rmtree(runs / trained_run.id)
    with pytest.raises(ValueError, match=f"passed over: {damaged.id}"):
        Predictor.latest(store)
