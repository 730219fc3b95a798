"""Formatting for widgets; counts come from the engine's Keras-free `numbers` module."""

from __future__ import annotations

from collections.abc import Iterable

from cnnstudio.engine.numbers import format_count  # noqa: F401 (re-exported)


def format_shape(shape: Iterable[int]) -> str:
    return "x".join(str(n) for n in shape)
