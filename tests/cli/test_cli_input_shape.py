"""`--input` needs its channels: "32x32" is refused with both readings, never guessed."""

from __future__ import annotations

import pytest

from cnnstudio.cli import main
from cnnstudio.model_metadata import parse_input_shape


def test_a_shape_without_channels_is_refused_with_both_readings():
    with pytest.raises(ValueError) as caught:
        parse_input_shape("32x32")
    assert str(caught.value) == (
        "input shape '32x32' has no channels: give 32x32x1 (grayscale) or 32x32x3 (colour)"
    )
    assert parse_input_shape("32x32x1") == (32, 32, 1)
    assert parse_input_shape(" 64 X 48 X 3 ") == (64, 48, 3)


def test_summary_with_input_without_channels_exits_2_with_one_line(capsys):
    assert main(["summary", "lenet5", "--input", "32x32"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("cnnstudio summary: error: ")
    assert line.endswith(
        "input shape '32x32' has no channels: give 32x32x1 (grayscale) or 32x32x3 (colour)"
    )


def test_summary_help_says_the_channels_are_required(capsys):
    with pytest.raises(SystemExit):
        main(["summary", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the channels are required" in help_text
