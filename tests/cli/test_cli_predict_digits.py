"""`cnnstudio predict IMAGE...` without --model: the bundled LeNet-5 and the pad's preprocessing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cnnstudio import cli
from cnnstudio.engine.use.digit_preprocessing import load_canvas
from cnnstudio.engine.use.digit_recognizer import DigitRecognizer
from tests.engine.drawn_digits import STYLES, render


@pytest.fixture(scope="module")
def bundled() -> DigitRecognizer:
    return DigitRecognizer.bundled()


@pytest.fixture
def drawings(tmp_path) -> dict[str, tuple[str, str]]:
    """name -> (path, digit): saved drawings of several kinds."""
    files = {}
    seven = render(STYLES[7]["bar"], width=14, dark_on_light=True)
    files["seven"] = (tmp_path / "seven.png", "7")  # dark on light, as saved from the pad
    Image.fromarray(seven).save(files["seven"][0])
    three = render(STYLES[3]["round"], width=20)
    files["three"] = (tmp_path / "three.jpg", "3")  # light on dark, colour JPEG, 600 x 600
    Image.fromarray(three).convert("RGB").resize((600, 600)).save(files["three"][0])
    four = render(STYLES[4]["open"], width=10)
    files["four"] = (tmp_path / "four small.bmp", "4")  # 56 x 56, a space in the name
    Image.fromarray(four).resize((56, 56), Image.Resampling.BOX).save(files["four"][0])
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = render(STYLES[0]["oval"], width=12)  # black strokes on transparency
    files["zero"] = (tmp_path / "zero.png", "0")
    Image.fromarray(rgba, mode="RGBA").save(files["zero"][0])
    return {name: (str(path), digit) for name, (path, digit) in files.items()}


def test_predict_without_a_model_reads_drawings_as_the_pad_does(bundled, drawings, capsys):
    paths = [path for path, _ in drawings.values()]
    assert cli.main(["predict", *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Model: {bundled.source}"
    assert len(lines) == 1 + len(paths)
    for line, (path, digit) in zip(lines[1:], drawings.values(), strict=True):
        # The same answer the pad gives for the same image, to the printed digit.
        result = bundled.recognize(load_canvas(path))
        expected = "  ".join(f"{name} {p:.1%}" for name, p in result.top)
        assert line == f"{path}: {expected}"
        assert result.top[0][0] == digit, line
        shown = [float(part.rstrip("%")) for part in line.split(": ")[1].split()[1::2]]
        assert len(shown) == 3 and shown == sorted(shown, reverse=True)


def test_a_corrupt_or_blank_image_is_one_line_and_the_others_are_still_predicted(
    drawings, tmp_path, capsys
):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 120), 255).save(blank)
    seven, _ = drawings["seven"]
    missing = tmp_path / "missing.png"
    code = cli.main(["predict", str(broken), seven, str(blank), str(missing), "--top", "1"])
    captured = capsys.readouterr()
    assert code == 1 and captured.err == ""
    lines = captured.out.splitlines()
    assert lines[1] == f"{broken}: skipped (not a readable image (unknown or corrupt format))"
    assert lines[2].startswith(f"{seven}: 7 ") and lines[2].count("%") == 1
    assert lines[3] == f"{blank}: skipped (blank: no digit in it)"
    assert lines[4] == f"{missing}: skipped (no such file)"


def test_predict_names_the_newest_run_only_when_asked(drawings, capsys):
    seven, _ = drawings["seven"]
    assert cli.main(["predict", "--model", "latest", seven]) == 2  # no runs in this home
    assert "no finished run with a model" in capsys.readouterr().err
