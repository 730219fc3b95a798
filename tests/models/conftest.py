"""The zoo's tests hand back what they built: nothing keeps a model alive past its test.

Models built for their shapes (tests/models/builds.py) hold no weights; the real ones are small
(32x32) and freed here. Tracing a train step also leaves its graph in TensorFlow's process-wide
gradient registry, which the training session already forgets after each run; the tests do the
same, or every model trained here would stay resident to the end of the worker.
"""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def release_models():
    import keras

    from cnnstudio.engine.tf_workarounds import forgetting_custom_gradients

    with forgetting_custom_gradients():
        yield
        keras.backend.clear_session()
    # Functional models are reference cycles: collect them now, not at some later test.
    gc.collect()
