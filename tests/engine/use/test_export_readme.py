"""The README written beside an export, tested directly (it was reached only through the CLI)."""

from __future__ import annotations

import pytest

from cnnstudio.engine.use.export_readme import export_readme, weights_text


def metadata(fmt: str, classes: int = 3, **changes) -> dict:
    data = {
        "format": fmt,
        "artifact": {"keras": "model.keras", "savedmodel": "saved_model"}.get(fmt, "model.x"),
        "run_id": "20260101-000000-lenet5-mnist-5k",
        "model": "LeNet-5",
        "input_shape": [32, 32, 1],
        "input_name": "image",
        "output_name": "scores",
        "num_classes": classes,
        "class_names": [f"c{i}" for i in range(classes)],
        "preprocessing": {
            "scaling": "float32 in [0, 1]",
            "channels": "grayscale (1 channel)",
            "fit": "zero-padded from 28x28 to 32x32",
            "standardization": "none",
        },
        "weights": {"epoch": 7, "rule": "best val_accuracy checkpoint", "metrics": {}},
        "check": {"inputs": "64 validation images", "max_abs_diff": 2e-7, "tolerance": 1e-4},
        "exported": "2026-12-08T10:00:00+00:00",
        "versions": {"cnnstudio": "0.1.0"},
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("fmt", "how"),
    [
        ("keras", "keras.models.load_model(path)"),
        ("savedmodel", "signatures['serving_default'](**{'image': images})"),
        ("tflite", "tf.lite.Interpreter(model_path=path)"),
        ("onnx", "onnxruntime.InferenceSession(path).run(None, {'image': images})"),
    ],
)
def test_each_format_says_how_to_load_it_and_what_goes_in_and_out(fmt, how):
    text = export_readme(metadata(fmt))
    assert text.startswith(f"# LeNet-5 from run 20260101-000000-lenet5-mnist-5k ({fmt})")
    assert how in text
    assert "(N, 32, 32, 1)" in text and "tensor `image`" in text
    assert "3 class probabilities" in text and "c0, c1, c2" in text
    assert "epoch 7 (best val_accuracy checkpoint)" in text
    assert "largest absolute difference from the trained Keras model 2e-07" in text
    assert ("MODEL_BASE/1/" in text) == (fmt == "savedmodel")


def test_many_classes_are_shortened_and_weights_say_their_metrics():
    text = export_readme(metadata("keras", classes=25))
    assert "c19 ..." in text and "c20" not in text
    assert weights_text({"epoch": None, "rule": "model.keras (epoch not recorded)"}) == (
        "model.keras (epoch not recorded)"
    )
    shown = weights_text(
        {"epoch": 3, "rule": "last epoch", "metrics": {"val_accuracy": 0.91234, "loss": 0.2}}
    )
    assert shown == "epoch 3 (last epoch): val_accuracy 0.9123"
