"""Messages that say what happened: a missing folder, what 0 means, a folder or a 1x1 image given
to predict, and an operating-system error as one line with exit status 1."""

from __future__ import annotations

import pytest

from cnnstudio import cli


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("form", ["absolute", "relative", "home"])
def test_a_missing_image_folder_does_not_exist(form, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    given = {
        "absolute": str(tmp_path / "no-such-folder"),
        "relative": "./no-such-folder",
        "home": "~/no-such-folder",
    }[form]
    assert cli.main(["train", "--data", given, "--epochs", "1"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "no-such-folder does not exist" in line and "Unknown data set" not in line


def test_a_plain_unknown_name_is_still_an_unknown_data_set(capsys):
    assert cli.main(["train", "--data", "imagenet-22k"]) == 2
    assert "Unknown data set 'imagenet-22k'" in _one_line(capsys.readouterr().err)


def test_help_says_what_0_means(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps wherever it likes
    assert (
        "--limit-batches N at most N batches per epoch, for quick trials (default: 0, no limit)"
        in text
    )
    assert "for PATIENCE epochs (default: 0, never)" in text
    assert "--steps-per-execution N batches per call into TensorFlow (default: 0, chosen" in text


def test_an_os_error_is_one_line_and_exit_status_1(monkeypatch, capsys):
    from cnnstudio.engine.data import datasets

    def unreadable():
        raise PermissionError(13, "Permission denied", "/home/me/.keras/datasets")

    monkeypatch.setattr(datasets, "list_datasets", unreadable)
    assert cli.main(["datasets"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line == "cnnstudio datasets: error: Permission denied: /home/me/.keras/datasets"


def test_predict_explains_a_folder_and_an_image_too_small_to_classify(tmp_path):
    import keras
    from PIL import Image

    from cnnstudio.engine.use.inference import Predictor

    inputs = keras.Input((32, 32, 1))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
    predictor = Predictor(keras.Model(inputs, outputs), source_shape=(28, 28, 1))
    tiny, digit = tmp_path / "tiny.png", tmp_path / "digit.png"
    Image.new("L", (1, 1)).save(tiny)
    Image.new("L", (28, 28)).save(digit)

    folder, too_small, fine = predictor.predict_files([tmp_path, tiny, digit])
    assert folder.error.startswith("a folder, not an image file")
    assert too_small.error == (
        "1x1 pixels is too small: the model was trained on 28x28 images; give at least 7x7"
    )
    assert fine.error is None and len(fine.top) == 3
