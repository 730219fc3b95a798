"""Start-up: the window appears before TensorFlow is imported.

How quickly is measured by `make bench` (benchmarks/gui_startup.py) against its target; a test
that asserted a wall-clock bound failed whenever the machine was busy.
"""

from __future__ import annotations

from benchmarks.gui_startup import measure_startup


def test_window_shows_before_tensorflow_and_keras_are_imported():
    result = measure_startup(runs=1)
    assert not {"tensorflow", "keras", "cnnstudio.models"} & set(
        result["imported_before_window"]
    ), result
    assert result["first_window_s"] > 0, result
    print(f"time to first window: {result['first_window_s']:.2f} s")
