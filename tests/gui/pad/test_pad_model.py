"""The pad with the real engine: the bundled LeNet-5 recognises digits drawn with mouse events,
shows its C1, S2, C3 and S4 maps, and a .keras file with the wrong input is refused with the
engine's reason while the bundled model keeps answering."""

from __future__ import annotations

import numpy as np
import pytest

from cnnstudio.gui.pad.demo_digits import DIGITS
from tests.gui.pad.drawing import draw
from tests.gui.training_helpers import ready_context


@pytest.fixture
def pad(qtbot):
    from cnnstudio.gui.pad.pad_view import DrawingPad

    widget = DrawingPad(ready_context())
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.model_info is not None, timeout=60_000)
    yield widget
    widget.shutdown()


def draw_digit(qtbot, pad, digit: str):
    pad.canvas.clear()
    for polyline in DIGITS[digit]:
        draw(qtbot, pad.canvas, polyline)
    qtbot.waitUntil(
        lambda: pad.recognition is not None and pad._shown_seq == pad._seq, timeout=10_000
    )
    return pad.recognition


def test_the_bundled_lenet5_reads_mouse_drawn_digits_and_shows_its_maps(qtbot, pad):
    assert pad.model_info.description.startswith("bundled LeNet-5")
    assert pad.model_info.input_shape == (32, 32, 1)
    for digit in DIGITS:
        recognition = draw_digit(qtbot, pad, digit)
        assert recognition.probabilities.shape == (10,)
        assert float(recognition.probabilities.sum()) == pytest.approx(1.0, abs=1e-5)
        assert recognition.top[0][0] == digit, recognition.top
        assert pad.answer.headline.text().startswith(f"{digit}  (")
    assert pad.prepared.pixels.shape == (32, 32, 1)
    qtbot.waitUntil(lambda: len(pad.maps.grids) == 4, timeout=10_000)
    counts = {layer: len(grid.images) for layer, grid in pad.maps.grids.items()}
    assert list(counts.values()) == [6, 6, 16, 16]
    first = next(iter(pad.maps.grids.values()))
    assert first.tooltip_at(first.cell_rect(0).center()).startswith("c1 (Conv2D")


def test_the_pad_shows_where_the_model_looks_as_the_digit_is_drawn(qtbot, pad):
    import keras

    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    recognition = draw_digit(qtbot, pad, "7")
    qtbot.waitUntil(lambda: pad.prepared.heat is not None, timeout=10_000)
    heat = pad.prepared.heat
    assert heat.shape == recognition.prepared.shape[:2] and heat.dtype == np.float32
    # The same map, computed here from the model file with Keras' own gradient tape: the
    # last spatial layer's channels weighted by the mean gradient of the answer's logit.
    import tensorflow as tf

    model = keras.models.load_model(bundled_model_path(), compile=False)
    standardize, lenet = model.get_layer("input_standardization"), model.get_layer("lenet5")
    probe = keras.Model(lenet.input, [lenet.get_layer("s4_pool").output, lenet.layers[-1].input])
    dense = lenet.layers[-1]
    with tf.GradientTape() as tape:
        features, penultimate = probe(standardize(recognition.prepared[np.newaxis]))
        logits = tf.matmul(penultimate, dense.kernel) + dense.bias
        score = logits[0, int(np.argmax(recognition.probabilities))]
    gradient = tape.gradient(score, features).numpy()[0]
    cam = np.maximum(np.einsum("hwk,k->hw", features.numpy()[0], gradient.mean(axis=(0, 1))), 0)
    expected = tf.image.resize(cam[..., None], heat.shape, method="bilinear").numpy()[..., 0]
    expected = (expected - expected.min()) / (expected.max() - expected.min() + 1e-7)
    np.testing.assert_allclose(heat, expected, atol=1e-3)
    pad.attention_box.setChecked(False)
    assert pad.prepared.heat is None


def test_a_file_with_the_wrong_input_is_refused_with_its_reason(qtbot, pad, tmp_path):
    import keras

    inputs = keras.Input((32, 32, 4), name="input")
    outputs = keras.layers.Dense(10, activation="softmax", name="scores")(
        keras.layers.Flatten(name="flatten")(inputs)
    )
    path = tmp_path / "four-channels.keras"
    keras.Model(inputs, outputs, name="four").save(path)
    with qtbot.waitSignal(pad.modelRefused, timeout=30_000) as refused:
        pad.chooser.choose_file(path)
    assert "32, 32, 4" in refused.args[0]  # the engine names the input it cannot feed
    assert "Cannot use File four-channels.keras" in pad.message.text()
    assert pad.model_info.description.startswith("bundled LeNet-5")
    assert draw_digit(qtbot, pad, "7").top[0][0] == "7"


def test_predict_on_the_saved_drawing_says_what_the_pad_says(qtbot, pad, tmp_path, capsys):
    from cnnstudio import cli

    expected = {}
    for name, digit, dark_on_light in (("two.png", "2", False), ("three-dark.png", "3", True)):
        if dark_on_light != pad.polarity_button.isChecked():
            pad.polarity_button.click()
        recognition = draw_digit(qtbot, pad, digit)
        path = tmp_path / name
        assert pad.canvas.save_png(path)
        top = "  ".join(f"{label} {p:.1%}" for label, p in recognition.top)
        expected[str(path)] = top
    capsys.readouterr()
    assert cli.main(["predict", *expected]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [f"{path}: {top}" for path, top in expected.items()]


# A picture scaled twice (280 -> the pad's side, smoothly; then the box -> 20 x 20) blurs edges
# a little more than the engine's own round trip (tests/engine/use/test_digit_preprocessing.py:
# 0.10 worst for a nearest enlargement, 0.15 for a bilinear one). Measured here: mean absolute
# difference per pixel 0.032 on average, 0.101 at worst, over ten validation digits.
ROUND_TRIP_THROUGH_THE_PAD = 0.15
ROUND_TRIP_THROUGH_THE_PAD_MEAN = 0.05


def test_a_mnist_digit_loaded_on_the_pad_reaches_the_model_as_it_was(qtbot, pad, tmp_path):
    from PIL import Image

    from cnnstudio.engine.data.datasets import load_dataset

    validation = load_dataset("mnist-5k").validation
    differences = []
    for index, digit in enumerate(validation.images[:100:10, :, :, 0]):
        path = tmp_path / f"mnist-{index}.png"
        Image.fromarray(digit).resize((280, 280), Image.Resampling.NEAREST).save(path)
        pad.canvas.clear()
        assert pad.canvas.load_image(path)
        qtbot.waitUntil(
            lambda: pad.recognition is not None and pad._shown_seq == pad._seq, timeout=10_000
        )
        prepared = pad.recognition.prepared[2:30, 2:30, 0]  # 28 x 28 padded to LeNet's 32 x 32
        assert not pad.recognition.prepared[:2].any()
        differences.append(float(np.abs(prepared - digit / 255.0).mean()))
    assert max(differences) < ROUND_TRIP_THROUGH_THE_PAD, differences
    assert np.mean(differences) < ROUND_TRIP_THROUGH_THE_PAD_MEAN, differences


def test_switching_to_a_finished_run_uses_its_own_copy_and_class_names(qtbot, pad):
    import shutil

    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    store = pad.context.run_store
    run = store.create("lenet5", "mnist-5k", started=1_700_000_000)
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    run.write_record(
        {
            "status": "finished",
            "config": {"model": "lenet5", "dataset": "mnist-5k"},
            "dataset": {"name": "mnist-5k", "class_names": names, "image_shape": [28, 28, 1]},
            "best": {"val_accuracy": 0.97},
        }
    )
    shutil.copy(bundled_model_path(), run.model_file)
    pad.context.runsChanged.emit()
    source = next(s for s in pad.chooser.sources() if s.kind == "run")
    with qtbot.waitSignal(pad.modelChanged, timeout=60_000) as changed:
        pad.use_model(source)
    assert changed.args[0].description.startswith(f"run {run.id}")
    recognition = draw_digit(qtbot, pad, "7")
    assert recognition.top[0][0] == "seven"
    assert pad.answer.bars.class_names == tuple(names)
    assert pad.answer.headline.text().startswith("seven  (")
