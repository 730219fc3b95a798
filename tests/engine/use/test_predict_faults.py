"""Fault injection for predict: models it cannot feed are refused with the reason, many images
go through one traced function in batches, odd files are reported, never hung on."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest
from PIL import Image

from cnnstudio import cli
from cnnstudio.engine.use.inference import BATCH_SIZE, Predictor


def small_classifier(input_shape=(28, 28, 1), classes=3) -> keras.Model:
    inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Conv2D(4, 3, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="small")


def test_a_model_without_a_fixed_input_size_is_refused_with_the_reason(tmp_path, capsys):
    model = small_classifier((None, None, 1))
    with pytest.raises(ValueError, match=r"no fixed size \(\?x\?x1\)"):
        Predictor(model)
    path = tmp_path / "any-size.keras"
    model.save(path)
    Image.new("L", (28, 28)).save(tmp_path / "x.png")
    assert cli.main(["predict", "--model", str(path), str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "no fixed size" in err and "Traceback" not in err and "crash" not in err.lower()


def test_a_model_with_two_inputs_is_refused_with_the_reason(tmp_path, capsys):
    left, right = keras.Input((8, 8, 1), name="left"), keras.Input((8, 8, 1), name="right")
    joined = keras.layers.Concatenate(name="join")([left, right])
    flat = keras.layers.Flatten(name="flat")(joined)
    model = keras.Model([left, right], keras.layers.Dense(2, name="out")(flat))
    with pytest.raises(ValueError, match="2 inputs"):
        Predictor(model)
    path = tmp_path / "two.keras"
    model.save(path)
    Image.new("L", (8, 8)).save(tmp_path / "x.png")
    assert cli.main(["predict", "--model", str(path), str(tmp_path / "x.png")]) == 2
    assert "2 inputs" in capsys.readouterr().err


def test_many_images_go_through_one_traced_function_in_batches(tmp_path):
    predictor = Predictor(small_classifier(), source_shape=(28, 28, 1))
    rng = np.random.default_rng(0)
    paths = []
    for index in range(2 * BATCH_SIZE + 7):  # three batches, the last one partial
        path = tmp_path / f"{index}.png"
        Image.fromarray(rng.integers(0, 255, (28, 28), dtype=np.uint8)).save(path)
        paths.append(path)
    predictions = predictor.predict_files(paths, top=3)
    assert [p.path for p in predictions] == [str(path) for path in paths]
    assert predictor._fit.experimental_get_tracing_count() == 1
    assert predictor._forward.experimental_get_tracing_count() == 1
    # The same answers as one image at a time.
    for path, prediction in zip(paths[:5], predictions[:5], strict=True):
        alone = predictor.probabilities(predictor.load_image(path)[np.newaxis])[0]
        assert prediction.top[0][1] == pytest.approx(float(alone.max()), abs=1e-6)


def test_odd_files_among_good_ones_are_reported_and_never_block(tmp_path):
    predictor = Predictor(small_classifier(), source_shape=(28, 28, 1))
    good = tmp_path / "图片.png"
    Image.new("L", (28, 28), 200).save(good)
    odd = [tmp_path / "empty.png", tmp_path / "gone.png", tmp_path / "loop.png"]
    odd[0].write_bytes(b"")
    odd[2].symlink_to(odd[2])
    if hasattr(os, "mkfifo"):
        odd.append(tmp_path / "pipe.png")
        os.mkfifo(odd[-1])  # reading it would block for ever
    predictions = {p.path: p for p in predictor.predict_files([good, *odd])}
    assert predictions[str(good)].error is None and predictions[str(good)].top
    assert predictions[str(odd[0])].error == "empty file"
    assert predictions[str(odd[1])].error == "no such file"
    assert "loop" in predictions[str(odd[2])].error
    if hasattr(os, "mkfifo"):
        assert "named pipe" in predictions[str(odd[3])].error
