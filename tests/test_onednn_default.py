"""Importing cnnstudio turns TensorFlow's oneDNN CPU kernels on where TF leaves them off."""

import os
import platform
import subprocess
import sys

import pytest

PRINT_SETTING = "import cnnstudio, os; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"


def setting_after_import(preset: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if preset is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = preset
    done = subprocess.run(
        [sys.executable, "-c", PRINT_SETTING],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


@pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="oneDNN's CPU kernels are an x86 feature",
)
def test_on_x86_it_is_on_unless_the_user_said_otherwise():
    assert setting_after_import(None) == "1"
    assert setting_after_import("0") == "0"
