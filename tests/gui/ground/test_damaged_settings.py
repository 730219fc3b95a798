"""Fault injection: a settings file holding NaN, Infinity, 1e20, wrong types or random bytes
never stops the app from starting; each bad value is replaced by its default and the file is
repaired (issue: the pad's pen width as NaN aborted every later start)."""

from __future__ import annotations

import json

import pytest

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.ground.settings import Setting, app_settings, checked, read_setting
from cnnstudio.gui.shell.main_window import MainWindow


def ini_file(private_settings):
    folder = private_settings / "CNN Studio"
    folder.mkdir(exist_ok=True)
    return folder / "CNN Studio.ini"


def open_window(qtbot):
    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    return window


@pytest.mark.parametrize(
    "width", ["NaN", "Infinity", "-Infinity", "1e20", "1e400", '"wide"', "[1, 2]", "null", "7.5"]
)
def test_a_bad_pen_width_is_replaced_by_the_default_and_repaired(qtbot, private_settings, width):
    pen = '{"width": ' + width + ', "dark_on_light": "yes"}'
    ini_file(private_settings).write_text(
        "[pad]\npen=" + json.dumps(pen) + "\n[window]\nview=pad\n", encoding="utf-8"
    )
    window = open_window(qtbot)
    try:
        pad = window.view("pad")
        slider = pad.tools.width_slider
        assert slider.minimum() <= slider.value() <= slider.maximum()
        assert pad.polarity_button.isChecked() is False  # "yes" is not a bool: the default
    finally:
        window.close()
    saved = json.loads(app_settings().value("pad/pen"))
    assert isinstance(saved["width"], int) and saved["dark_on_light"] is False


@pytest.mark.parametrize(
    "text",
    [
        b"\x00\xff\xfe garbage \x80\x81" * 40,
        b"[window]\ngeometry=@ByteArray(\x00\x01)\nview=@Variant(\x00\x00)\n",
        b'[selection]\nmodel=a, b, c\nmodel_options={"dropout": NaN}\ndataset=1e999\n',
        b'[training]\nform="{\\"epochs\\": 1e400, \\"learning_rate\\": [1]}"\n',
        b"[pad]\npen=[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
    ],
)
def test_a_damaged_settings_file_never_stops_the_window(qtbot, private_settings, text):
    ini_file(private_settings).write_bytes(text)
    window = open_window(qtbot)
    try:
        assert window.context.selection.model == "lenet5"
        window.show_view("training")
        window.show_view("pad")
    finally:
        window.close()


def test_every_kind_of_value_is_checked():
    width = Setting("w", "int", 12, 6, 48)
    assert checked(20, width) == (True, 20)
    assert checked(20.0, width) == (True, 20)
    for bad in (float("nan"), float("inf"), 1e20, 5, 49, 7.5, "x", True, None, [1]):
        assert checked(bad, width) == (False, 12), bad
    rate = Setting("r", "float", 0.5, 0.0, 1.0)
    assert checked("0.25", rate) == (True, 0.25)  # INI gives numbers back as text
    assert checked("nan", rate) == (False, 0.5)
    view = Setting("v", "text", "models", choices=("models", "pad"))
    assert checked("pad", view) == (True, "pad") and checked("x", view) == (False, "models")
    assert checked("y" * 10_000, Setting("t", "text", "")) == (False, "")
    flag = Setting("f", "bool", False)
    assert checked("true", flag) == (True, True) and checked(1, flag) == (False, False)


def test_a_bad_value_is_written_back_as_its_default(private_settings):
    settings = app_settings()
    settings.setValue("some/number", "NaN")
    spec = Setting("some/number", "float", 1.5, 0.0, 10.0)
    assert read_setting(settings, spec) == 1.5
    assert float(settings.value("some/number")) == 1.5
