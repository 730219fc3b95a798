"""The zoo's tests build full-size networks: hand their memory back after each test."""

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
def release_model_memory():
    """Without this a worker ends the zoo at 12 GB resident: Keras' session and the freed but
    fragmented heap stay with the process, and two such workers filled a 24 GB machine."""
    yield
    import keras

    keras.backend.clear_session()
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
