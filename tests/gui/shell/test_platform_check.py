"""A fresh Linux desktop without the X11 libraries Qt's xcb plugin needs: one message naming them
all with the install commands, exit status 2, instead of Qt's abort and core dump."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnnstudio.gui.shell import platform_check

# What a fresh Debian with Xvfb lacked; Qt named only the first.
MISSING = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


@pytest.mark.parametrize(
    ("environ", "system", "expected"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb;wayland"}, "linux", True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "darwin", False),
    ],
)
def test_xcb_is_checked_only_where_qt_would_use_it(environ, system, expected):
    assert platform_check.uses_xcb(environ, system) is expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_missing_libraries_are_named_with_the_command_for_each_distribution(monkeypatch):
    monkeypatch.setattr(platform_check, "missing_by_ldd", lambda plugin: None)  # no ldd here
    monkeypatch.setattr(platform_check, "is_loadable", lambda library: library not in MISSING)
    message = platform_check.xcb_problem({"DISPLAY": ":0"})
    assert message is not None
    assert ", ".join(MISSING) in message
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1\n" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms\n" in message
    assert "sudo pacman -S --needed xcb-util-cursor xcb-util-wm xcb-util-keysyms\n" in message
    assert "QT_QPA_PLATFORM=wayland" in message and "QT_QPA_PLATFORM=offscreen" in message

    monkeypatch.setattr(platform_check, "is_loadable", lambda library: True)
    assert platform_check.xcb_problem({"DISPLAY": ":0"}) is None


def test_the_plugins_real_dependencies_come_from_ldd(monkeypatch, tmp_path):
    listing = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibQt6XcbQpa.so.6 => /site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x7f00)\n"
        "\tlibxcb-cursor.so.0 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-cursor.so.0 => not found\n"
        "\tlibxcb-randr.so.0 => /lib/x86_64-linux-gnu/libxcb-randr.so.0 (0x7f01)\n"
    )
    monkeypatch.setattr(platform_check.shutil, "which", lambda name: "/usr/bin/ldd")
    monkeypatch.setattr(
        platform_check.subprocess,
        "run",
        lambda *args, **kwargs: subprocess.CompletedProcess(args, 0, listing, ""),
    )
    assert platform_check.missing_by_ldd(tmp_path / "libqxcb.so") == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
    ]


def test_an_unlisted_xcb_extension_and_an_unknown_library_still_get_advice():
    message = platform_check.install_message(["libxcb-xinerama.so.0", "libfoo.so.3"])
    assert "sudo apt install libxcb-xinerama0\n" in message
    assert "sudo dnf install libxcb\n" in message
    assert "the packages that provide libfoo.so.3" in message


def test_the_app_exits_2_with_the_message_before_creating_the_application(monkeypatch, capsys):
    from cnnstudio.gui import app

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(platform_check, "missing_xcb_libraries", lambda: list(MISSING))

    def no_application():
        raise AssertionError("the QApplication was created: Qt would have aborted here")

    monkeypatch.setattr(app, "_application", no_application)
    assert app.run_app() == 2
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in err and "sudo apt install" in err
