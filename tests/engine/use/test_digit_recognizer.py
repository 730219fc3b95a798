"""The drawing pad's recognizer: the bundled LeNet-5 on drawn digits, feature maps, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from cnnstudio.engine.use.digit_preprocessing import fit_to_input, prepare_digit
from cnnstudio.engine.use.digit_recognizer import (
    DigitRecognizer,
    UnsuitableModel,
    bundled_model_path,
)
from tests.engine.drawn_digits import STYLES, accuracy_per_digit, drawn_digits, render

DRAWN_ACCURACY = 0.90  # the bar for digits drawn as strokes
DRAWN_ACCURACY_PER_DIGIT = 0.80  # and no digit left behind (the bundled model: 100% each)


@pytest.fixture(scope="module")
def bundled() -> DigitRecognizer:
    return DigitRecognizer.bundled()


def small_model(input_shape, classes=10, *, logits=False):
    import keras

    inputs = keras.Input(input_shape, name="images")
    x = keras.layers.Conv2D(4, 3, name="a_conv")(inputs)
    x = keras.layers.BatchNormalization(name="a_bn")(x)
    x = keras.layers.ReLU(name="a_relu")(x)
    x = keras.layers.MaxPooling2D(name="a_pool")(x)
    x = keras.layers.Conv2D(4, 3, name="b_conv")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(
        classes, activation=None if logits else "softmax", name="predictions"
    )(x)
    return keras.Model(inputs, outputs, name="small")


def test_the_bundled_lenet5_ships_in_the_package(bundled):
    import fnmatch
    import tomllib
    from pathlib import Path

    import cnnstudio

    assert bundled_model_path().is_file()
    assert bundled_model_path().stat().st_size < 400_000
    # Installed with the package (a wheel, the frozen app): package-data names it and its notes.
    root = Path(cnnstudio.__file__).parent
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["cnnstudio"]
    for shipped in ("lenet5_mnist.keras", "metadata.json", "README.md"):
        relative = (bundled_model_path().parent / shipped).relative_to(root).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), relative
    assert bundled.input_shape == (32, 32, 1)
    assert bundled.class_names == tuple(str(digit) for digit in range(10))
    assert bundled.source.startswith("bundled LeNet-5 (val acc ")


def test_the_bundled_model_reads_digits_drawn_as_strokes(bundled):
    digits = list(drawn_digits())
    assert len({(d.label, d.style) for d in digits}) >= 20 and len(digits) >= 150
    counts = accuracy_per_digit(bundled, digits)
    right = sum(r for r, _ in counts.values())
    per_digit = "  ".join(f"{label}: {r}/{t}" for label, (r, t) in counts.items())
    assert right / len(digits) >= DRAWN_ACCURACY, per_digit
    assert all(r >= DRAWN_ACCURACY_PER_DIGIT * t for r, t in counts.values()), per_digit


def test_a_mnist_digit_drawn_large_gets_the_class_of_the_original(bundled):
    from PIL import Image

    from cnnstudio.engine.data.datasets import load_dataset

    validation = load_dataset("mnist-5k").validation
    images, labels = validation.images[::10, :, :, 0], validation.labels[::10]
    agree = right = 0
    for image, label in zip(images, labels, strict=True):
        original = bundled.recognize_prepared(fit_to_input(image / 255.0, (32, 32, 1)))
        canvas = np.asarray(Image.fromarray(255 - image).resize((280, 280)))  # ink on paper
        drawn = bundled.recognize(canvas)
        agree += drawn.top[0][0] == original.top[0][0]
        right += drawn.top[0][0] == str(label)
    assert agree >= 0.98 * len(labels), (agree, len(labels))
    assert right >= 0.95 * len(labels), (right, len(labels))


def test_a_recognition_carries_probabilities_summing_to_one_and_the_top_three(bundled):
    result = bundled.recognize(render(STYLES[7]["bar"], width=14, dark_on_light=True))
    assert result.probabilities.shape == (10,)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-9)
    assert [name for name, _ in result.top] == [
        str(i) for i in np.argsort(-result.probabilities)[:3]
    ]
    assert result.top[0] == ("7", pytest.approx(result.probabilities[7]))
    assert result.prepared.shape == (32, 32, 1) and result.prepared.dtype == np.float32
    assert not result.unsure and result.message.startswith("7 (")
    # What the model received is the preprocessed drawing, padded.
    digit = prepare_digit(render(STYLES[7]["bar"], width=14))
    np.testing.assert_allclose(result.prepared[2:30, 2:30, 0], digit, atol=1e-3)
    assert bundled.recognize(np.zeros((280, 280), dtype=np.uint8)) is None


def test_a_low_top_probability_is_not_sure_and_names_the_top_two():
    model = small_model((28, 28, 1))
    predictions = model.get_layer("predictions")
    kernel, bias = predictions.get_weights()
    bias = np.log(np.float32([1, 1, 3, 1, 1, 1, 1, 1, 1, 2]))  # 23% "2", 15% "9", 8% others
    predictions.set_weights([np.zeros_like(kernel), bias])
    result = DigitRecognizer(model).recognize(render(STYLES[2]["curved"], width=12))
    assert result.top[0] == ("2", pytest.approx(3 / 13)) and result.top[1][0] == "9"
    assert result.unsure and result.message == "Not sure: 2 or 9?"


def test_prediction_is_a_direct_call_never_model_predict(bundled, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("model.predict was called")

    monkeypatch.setattr(bundled.model, "predict", refuse)
    assert bundled.recognize(render(STYLES[0]["oval"], width=12)).top[0][0] == "0"


def test_feature_maps_are_lenet5s_c1_s2_c3_s4_scaled_for_display(bundled):
    import keras

    prepared = bundled.recognize(render(STYLES[3]["round"], width=12)).prepared
    maps = bundled.feature_maps(prepared)
    assert [(m.layer, m.maps.shape) for m in maps] == [
        ("c1_tanh", (28, 28, 6)),
        ("s2_pool", (14, 14, 6)),
        ("c3_tanh", (10, 10, 16)),
        ("s4_pool", (5, 5, 16)),
    ]
    assert maps[0].title == "c1 (Conv2D, tanh)" and maps[1].title == "s2 (AveragePooling2D)"
    for feature in maps:
        assert feature.maps.dtype == np.float32
        assert feature.maps.min() >= 0.0 and feature.maps.max() <= 1.0
        assert np.allclose(feature.maps.max(axis=(0, 1)), 1.0)  # each channel spans [0, 1]
    # They are the network's own activations, behind its standardisation layer.
    model = bundled.model
    network = model.get_layer("lenet5")
    c1 = keras.Model(network.inputs, network.get_layer("c1_tanh").output)
    standardized = model.get_layer("input_standardization")(prepared[None])
    expected = np.asarray(c1(standardized))[0]
    low, high = expected.min(axis=(0, 1)), expected.max(axis=(0, 1))
    np.testing.assert_allclose(maps[0].maps, (expected - low) / (high - low), atol=1e-4)


def test_other_models_show_their_first_two_conv_stages_and_three_channels_get_grey():
    recognizer = DigitRecognizer(small_model((48, 48, 3), 3), class_names=("a", "b", "c"))
    canvas = render(STYLES[1]["flag"], width=12)
    result = recognizer.recognize(canvas)
    assert result.prepared.shape == (48, 48, 3)
    assert np.array_equal(result.prepared[..., 0], result.prepared[..., 2])
    assert {name for name, _ in result.top} == {"a", "b", "c"}
    titles = [m.title for m in recognizer.feature_maps(result.prepared)]
    assert titles == ["a (Conv2D, ReLU)", "a (MaxPooling2D)", "b (Conv2D)"]


def test_a_model_ending_in_logits_still_gives_probabilities():
    recognizer = DigitRecognizer(small_model((28, 28, 1), logits=True))
    result = recognizer.recognize(render(STYLES[2]["swan"], width=12))
    assert result.probabilities.min() >= 0.0
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("shape", "reason"),
    [
        ((32, 32, 4), "this one takes 4 channels"),
        ((32, 32, 2), "this one takes 2 channels"),
        ((6, 6, 1), "too small for a drawn digit"),
    ],
)
def test_a_model_the_pad_cannot_feed_is_refused_with_the_reason(shape, reason):
    import keras

    inputs = keras.Input(shape)
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    with pytest.raises(UnsuitableModel, match=reason):
        DigitRecognizer(keras.Model(inputs, outputs))


def test_a_model_file_or_run_with_the_wrong_input_is_refused_with_the_reason(tmp_path):
    import keras

    inputs = keras.Input((32, 32))  # no channel axis: not an image model
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    path = tmp_path / "sequence.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(UnsuitableModel, match=r"takes inputs of shape \(32, 32\)"):
        DigitRecognizer.from_file(path)
    inputs = keras.Input((32, 32, 1))
    segmenter = keras.Model(inputs, keras.layers.Conv2D(2, 3, padding="same")(inputs))
    with pytest.raises(UnsuitableModel, match="needs a classifier"):
        DigitRecognizer(segmenter)


def test_a_model_file_gets_numbered_classes_and_a_run_its_own(tmp_path):
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.session import TrainingSession

    path = tmp_path / "five.keras"
    small_model((28, 28, 1), 5).save(path)
    from_file = DigitRecognizer.from_file(path)
    assert from_file.class_names == ("0", "1", "2", "3", "4") and from_file.source == str(path)
    # An export's metadata.json beside the file names the classes.
    exported = tmp_path / "export"
    exported.mkdir()
    small_model((28, 28, 1), 3).save(exported / "model.keras")
    (exported / "metadata.json").write_text('{"class_names": ["cat", "dog", "owl"]}')
    named = DigitRecognizer.from_file(exported / "model.keras")
    assert named.class_names == ("cat", "dog", "owl")
    assert {name for name, _ in named.recognize(render(STYLES[8]["two loops"], width=9)).top} == {
        "cat",
        "dog",
        "owl",
    }

    config = TrainingConfig(epochs=1, batch_size=64, limit_batches=2, augment=False)
    store = RunStore(tmp_path / "runs")
    session = TrainingSession(config, None, store)
    result = session.run()
    assert result.status == "finished", result.reason
    recognizer = DigitRecognizer.from_run(store.get(result.run_id))
    assert recognizer.model is not session.model  # its own copy, read from the run's file
    assert recognizer.class_names == tuple(str(digit) for digit in range(10))
    assert result.run_id in recognizer.source
    assert recognizer.recognize(render(STYLES[0]["oval"], width=12)).probabilities.shape == (10,)


def test_feature_maps_stay_in_one_nested_model_when_the_stages_straddle_two():
    import keras

    inner_input = keras.Input((13, 13, 4))
    inner = keras.Model(inner_input, keras.layers.Conv2D(5, 3, name="b_conv")(inner_input))
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 3, name="a_conv")(inputs)
    x = keras.layers.MaxPooling2D(name="a_pool")(x)
    x = keras.layers.Flatten()(inner(x))
    recognizer = DigitRecognizer(keras.Model(inputs, keras.layers.Dense(10)(x)))
    prepared = recognizer.recognize(render(STYLES[6]["curved"], width=12)).prepared
    maps = recognizer.feature_maps(prepared)
    assert [(m.layer, m.maps.shape) for m in maps] == [
        ("a_conv", (26, 26, 4)),
        ("a_pool", (13, 13, 4)),
    ]
