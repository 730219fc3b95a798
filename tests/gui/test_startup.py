"""Start-up: the window appears before TensorFlow is imported, and quickly."""

from __future__ import annotations

from benchmarks.gui_startup import TARGET_SECONDS, measure_startup

# The bench holds the 1.5 s target on a quiet machine; under a parallel test run the same
# start-up can take longer, so the test allows twice the target and checks what cannot vary:
# nothing heavy was imported before the window was shown.
TEST_BOUND_SECONDS = 2 * TARGET_SECONDS


def test_window_shows_before_tensorflow_and_keras_are_imported():
    result = measure_startup(runs=1)
    assert not {"tensorflow", "keras", "cnnstudio.models"} & set(
        result["imported_before_window"]
    ), result
    assert 0 < result["first_window_s"] < TEST_BOUND_SECONDS, result
    print(f"time to first window: {result['first_window_s']:.2f} s")
