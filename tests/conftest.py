"""Test-wide settings: no real display, the TensorFlow backend, a private CNN Studio home."""

from __future__ import annotations

import os

# Set before anything imports Qt or Keras.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest


@pytest.fixture(autouse=True)
def cnnstudio_home(tmp_path_factory, monkeypatch):
    """Every test gets its own runs folder; a user's real runs are never touched."""
    home = tmp_path_factory.mktemp("cnnstudio_home")
    monkeypatch.setenv("CNNSTUDIO_HOME", str(home))
    return home
