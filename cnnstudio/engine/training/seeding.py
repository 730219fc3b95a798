"""Model builds that other threads cannot disturb, so that a seed repeats a run.

Keras gives every initializer made without a seed (all of the zoo's) one drawn from Python's
global `random` when the layer is made, and that state is shared by every thread. A model built
on another thread (the app's model picker computing figures) between a run's seeding and its
build would take draws meant for the run and change its initial weights. So every build goes
through one lock: a seeded build seeds right before it builds, and any other build puts the
global state back as it found it.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import TypeVar

Built = TypeVar("Built")

# Re-entrant: a build may build (a family builder that calls another registered one).
_BUILD_LOCK = threading.RLock()


def seeded_build(seed: int, build: Callable[[], Built]) -> Built:
    """`build()` right after seeding Python, NumPy and TensorFlow with `seed`."""
    import keras

    with _BUILD_LOCK:
        keras.utils.set_random_seed(seed)
        return build()


def clear_session() -> None:
    """Keras's `clear_session` (a new run forgets the models and name counters of the last),
    never while another thread builds a model: clearing Keras's global state under a build
    (the picker's or the training plan's figures, a preview) can crash the process."""
    import keras

    with _BUILD_LOCK:
        keras.backend.clear_session()


def isolated_build(build: Callable[[], Built]) -> Built:
    """`build()` leaving Python's global random state as it was (and never during a seeded
    build), for builds whose weights nobody trains: figures, previews."""
    with _BUILD_LOCK:
        state = random.getstate()
        try:
            return build()
        finally:
            random.setstate(state)
