"""The one accessor for shipped files works from source and frozen; user files go to the user's
folders (or $CNNSTUDIO_HOME), never into the program's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import cnnstudio
from cnnstudio import locations
from cnnstudio.engine.data.datasets import MNIST_5K_FILE, bundled_data_path
from cnnstudio.engine.store.runs import runs_root


def test_from_source_resources_are_next_to_the_package():
    assert not locations.is_frozen()
    path = locations.resource_path("data", MNIST_5K_FILE)
    assert path == Path(cnnstudio.__file__).resolve().parent / "resources" / "data" / MNIST_5K_FILE
    assert path.is_file() and bundled_data_path(MNIST_5K_FILE) == path
    assert locations.resource_path("icons", "cnnstudio-256.png").is_file()


def test_frozen_resources_are_under_the_bundle_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert locations.is_frozen()
    expected = tmp_path / "cnnstudio" / "resources" / "data" / MNIST_5K_FILE
    assert locations.resource_path("data", MNIST_5K_FILE) == expected
    assert bundled_data_path(MNIST_5K_FILE) == expected


def test_user_folders_follow_cnnstudio_home(cnnstudio_home):
    assert locations.user_data_dir() == Path(cnnstudio_home)
    assert locations.user_log_dir() == Path(cnnstudio_home) / "logs"
    assert runs_root() == Path(cnnstudio_home) / "runs"


def test_user_folders_are_the_platform_folders_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNSTUDIO_HOME")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert locations.user_data_dir() == tmp_path / "data" / "cnnstudio"
    assert runs_root() == tmp_path / "data" / "cnnstudio" / "runs"
    assert locations.user_log_dir() == tmp_path / "state" / "cnnstudio" / "log"
    # Never inside the program, frozen or not.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert not locations.user_data_dir().is_relative_to(tmp_path / "bundle")


def test_the_frozen_app_says_how_to_get_onnx_without_pip_install_cnnstudio(monkeypatch):
    """The bundle leaves the ONNX converter out; its message must not send a person to pip."""
    import builtins

    from cnnstudio.engine.use import export

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name in ("onnx", "tf2onnx", "onnxruntime"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    with pytest.raises(export.ExportError, match=r"pip install 'cnnstudio\[onnx\]'$"):
        export.check_onnx_available()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/cnnstudio/_internal", raising=False)
    with pytest.raises(export.ExportError, match="installed app does not include") as raised:
        export.check_onnx_available()
    assert "tf2onnx.convert --saved-model" in str(raised.value)


def test_the_frozen_app_keeps_matplotlib_s_cache_in_the_user_cache(monkeypatch, cnnstudio_home):
    environ = {"MPLCONFIGDIR": "/tmp/_MEI-fresh-every-start"}
    locations.keep_matplotlib_cache(environ)
    assert environ["MPLCONFIGDIR"] == "/tmp/_MEI-fresh-every-start"  # from source: untouched
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/cnnstudio/_internal", raising=False)
    locations.keep_matplotlib_cache(environ)
    assert environ["MPLCONFIGDIR"] == str(Path(cnnstudio_home) / "cache" / "matplotlib")
