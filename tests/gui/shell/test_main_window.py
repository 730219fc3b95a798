"""The main window: views, the background engine loader, settings, screenshots."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QLabel, QWidget

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.shell.main_window import MainWindow

ENGINE_TIMEOUT_MS = 60_000  # importing TensorFlow: about 6 s here, more on a busy machine


def assert_no_thread_running(window: MainWindow) -> None:
    running = [t.objectName() for t in window.findChildren(QThread) if t.isRunning()]
    assert running == [], f"threads still running: {running}"


@pytest.fixture
def window(qtbot):
    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    yield window
    window.close()
    assert_no_thread_running(window)


def test_views_are_registered_and_switchable(window):
    # The course's path comes first: a newcomer starts with the lessons (issue 24).
    assert window.view_keys()[:5] == ["lessons", "models", "graph", "concepts", "data"]
    assert window.current_view() == "lessons"
    window.show_view("data")
    assert window.current_view() == "data"
    window.context.viewRequested.emit("models")
    assert window.current_view() == "models"
    window.findChild(QAction, "show_data_action").trigger()
    assert window.current_view() == "data"
    assert window.findChild(QAction, "show_lessons_action").shortcut().toString() == "Ctrl+1"
    assert window.findChild(QAction, "show_models_action").shortcut().toString() == "Ctrl+2"
    with pytest.raises(ValueError, match="already registered"):
        window.add_view("data", "Data again", QWidget())
    with pytest.raises(KeyError):
        window.show_view("no-such-view")
    # A view that asks for one this window lacks (the coming Concepts view) changes nothing.
    window.context.viewRequested.emit("no-such-view")
    assert window.current_view() == "data"


def test_a_view_added_later_gets_a_sidebar_entry_and_names(window):
    extra = QLabel("extra")
    window.add_view("extra", "Extra", extra)
    window.show_view("extra")
    assert window.current_view() == "extra"
    assert extra.objectName() == "extraView" and extra.accessibleName() == "Extra view"


def _inside(widget: QWidget, kinds: tuple) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parentWidget()
    return False


def test_every_control_has_an_object_name_and_an_accessible_name(window):
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QHeaderView,
        QLineEdit,
        QProgressBar,
    )

    # Widgets whose inner parts (a line edit's clear button, a combo's list) are Qt's own.
    composites = (QAbstractSpinBox, QComboBox, QLineEdit)
    controls = (
        QAbstractButton,
        QAbstractItemView,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QProgressBar,
    )
    for key in ("models", "graph", "concepts", "data"):
        for widget in window.view(key).findChildren(QWidget):
            # Qt's own inner parts (a spin box's line edit, a scroll bar) are not ours to name.
            if not isinstance(widget, controls) or widget.objectName().startswith("qt_"):
                continue
            if isinstance(widget, QHeaderView) or _inside(widget, composites):
                continue
            assert widget.objectName(), f"{type(widget).__name__} in {key} has no objectName"
            assert widget.accessibleName(), f"{widget.objectName()} has no accessibleName"


def test_engine_loads_in_the_background_and_the_status_bar_says_so(window, qtbot):
    status = window.findChild(QLabel, "engineStatusLabel")
    window.show()
    with qtbot.waitSignal(window.context.engineReady, timeout=ENGINE_TIMEOUT_MS):
        window.load_engine()
        assert "Loading TensorFlow" in status.text()
        assert window.findChild(QWidget, "engineBusyIndicator").isVisible()
    assert status.text().startswith("Engine ready: Keras 3.")
    assert window.context.engine_status.devices[0].name == "cpu"
    assert window.findChild(QLabel, "deviceLabel").text().startswith("Device: ")
    assert not window.findChild(QWidget, "engineBusyIndicator").isVisible()


def test_settings_restore_geometry_view_model_and_data_set(qtbot):
    first = MainWindow(StudioContext())
    qtbot.addWidget(first)
    first.resize(760, 540)  # within the offscreen screen (800x600)
    first.context.set_model("resnet18", {"dropout": 0.25})
    first.show_view("data")
    first.close()
    assert_no_thread_running(first)

    second = MainWindow(StudioContext())
    qtbot.addWidget(second)
    try:
        assert second.context.selection.model == "resnet18"
        assert second.context.selection.model_options == {"dropout": 0.25}
        assert second.context.selection.dataset == "mnist-5k"
        assert second.current_view() == "data"
        assert (second.width(), second.height()) == (760, 540)
        picker = second.view("models")
        assert picker.selected_model() == "resnet18"
        assert picker.options.values()["dropout"] == 0.25
    finally:
        second.close()
        assert_no_thread_running(second)


@pytest.mark.parametrize(
    ("saved", "expected"),
    [
        (
            {
                "selection/model": "lenet5",
                "selection/model_options": '{"activation": "swish", "dropout": 0.3, "bogus": 1}',
                "selection/dataset": "imagenet",
            },
            ("lenet5", {"dropout": 0.3}, "mnist-5k", None),
        ),
        (
            {
                "selection/model": "lenet6",
                "selection/dataset": "folder",
                "selection/image_folder": "/no/such/folder",
            },
            ("lenet5", {}, "mnist-5k", None),
        ),
        (
            {
                "selection/model": "vgg11",
                "selection/model_options": '{"dropout": 1.0}',
                "selection/dataset": "cifar10",
            },
            ("vgg11", {}, "cifar10", None),
        ),
    ],
)
def test_settings_that_no_longer_fit_fall_back_to_defaults(qtbot, saved, expected):
    from cnnstudio.gui.ground.settings import app_settings

    settings = app_settings()
    for key, value in saved.items():
        settings.setValue(key, value)
    settings.sync()
    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    try:
        selection = window.context.selection
        assert (
            selection.model,
            selection.model_options,
            selection.dataset,
            selection.image_folder,
        ) == expected
    finally:
        window.close()


def test_save_screenshot_writes_a_png_of_the_window(window, tmp_path):
    window.resize(900, 600)
    window.show()
    path = window.save_screenshot(tmp_path / "window.png")
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= 900 and image.height() >= 600


def test_screenshot_command_waits_for_the_engine_and_saves_a_png(tmp_path):
    target = tmp_path / "data.png"
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "--screenshot", str(target), "--view", "data"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)
    # Saved after the engine loaded: a dark MNIST digit grid is on it, not an empty panel.
    assert f"saved {target}" in result.stdout


def test_screenshot_command_rejects_an_unknown_view(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cnnstudio",
            "--screenshot",
            str(tmp_path / "x.png"),
            "--view",
            "nowhere",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no view 'nowhere'" in result.stderr and "models" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_without_a_display_the_app_says_how_to_go_on(monkeypatch, capsys):
    from cnnstudio import cli

    monkeypatch.setattr(cli.sys, "platform", "linux")
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(variable, raising=False)
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert "no display found" in err and "xvfb-run cnnstudio" in err and "--screenshot" in err


def test_an_engine_that_fails_to_load_is_reported_and_the_views_say_what_still_works(window):
    window.context.mark_engine_failed("ImportError: no module named 'tensorflow'")
    status = window.findChild(QLabel, "engineStatusLabel").text()
    assert status == "Engine failed to load: ImportError: no module named 'tensorflow'"
    assert not window.findChild(QWidget, "engineBusyIndicator").isVisible()
    assert "only the paper's figures" in window.view("models").figures.text()
    assert not window.view("data").download_button.isEnabled()  # downloads need Keras
    from cnnstudio.gui.app import window_ready

    assert window_ready(window)  # a screenshot still happens, showing the failure


class _RememberingView(QLabel):
    """A view with preferences of its own, as the training view has."""

    def __init__(self) -> None:
        super().__init__("remembering")
        self.value = ""

    def restore_settings(self, settings) -> None:
        self.value = settings.value("remembering/value", "")

    def save_settings(self, settings) -> None:
        settings.setValue("remembering/value", self.value)


class _WindowWithExtraView(MainWindow):
    def _build_views(self) -> None:
        super()._build_views()
        self.add_view("remembering", "Remembering", _RememberingView())


def test_views_save_and_restore_their_own_settings(qtbot):
    first = _WindowWithExtraView(StudioContext())
    qtbot.addWidget(first)
    assert first.view("remembering").value == ""
    first.view("remembering").value = "kept"
    first.close()
    second = _WindowWithExtraView(StudioContext())
    qtbot.addWidget(second)
    assert second.view("remembering").value == "kept"
    second.close()


def test_closing_the_window_says_so_once_for_the_app_to_quit(window, qtbot):
    # run_app quits on this signal: Qt's own quit-on-last-window-closed now and then missed it.
    closes = []
    window.closed.connect(lambda: closes.append(True))
    window.show()
    with qtbot.waitSignal(window.closed, timeout=30_000):
        window.close()
    window.close()  # a second close is already done: no second signal
    assert closes == [True]
