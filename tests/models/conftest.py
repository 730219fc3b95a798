"""The zoo's tests hand back what they built: nothing keeps a model alive past its test.

Models built for their shapes (tests/models/builds.py) hold no weights; the real ones are small
and freed here. Tracing a train step also leaves its graph in TensorFlow's process-wide
gradient registry, which the training session already forgets after each run; the tests do the
same, or every model trained here would stay resident to the end of the worker.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

import pytest


def _libc_malloc_trim():
    """glibc's malloc_trim, or None elsewhere (macOS, Windows, musl)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


_MALLOC_TRIM = _libc_malloc_trim()


@pytest.fixture(autouse=True)
def release_models():
    import keras

    from cnnstudio.engine.devices.tf_workarounds import forgetting_custom_gradients

    with forgetting_custom_gradients():
        yield
        keras.backend.clear_session()
    # Functional models are reference cycles: collect them now, not at some later test; then
    # hand the freed heap back, or the next large training step grows the peak on top of it.
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
