"""Workarounds for TensorFlow behaviour that has no public fix, each with what it costs without.

They reach into TensorFlow's private modules, so they live here, alone, to be found and
re-checked when TensorFlow is upgraded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any


@contextlib.contextmanager
def forgetting_custom_gradients(note: Callable[[str], None] | None = None):
    """Drop the gradient functions TensorFlow registers while a run traces its train step.

    Tracing the Keras train step under the default distribution strategy registers two
    `tf.custom_gradient` functions (`ReplicaContext.all_reduce`) in TensorFlow's process-wide
    gradient registry, which never removes them; each holds the whole traced train-step graph.
    Measured: 1,522 graph operations and about 14 MB of resident memory kept per run, 262 MB
    over 20 runs. Only entries added by this run are removed, after its train function is gone.

    Where a TensorFlow version has moved the private registry, training goes on without the
    workaround and `note` is told why: a workaround must never fail a run.
    """
    registry = _gradient_registry()
    if registry is None:
        if note is not None:
            note(
                "NOTE: TensorFlow's private gradient registry is not where CNN Studio expects "
                "it; each run in this process may keep about 14 MB until it exits"
            )
        yield
        return
    before = set(registry)
    try:
        yield
    finally:
        for name in [name for name in registry if name not in before]:
            if isinstance(name, str) and name.startswith("CustomGradient-"):
                registry.pop(name, None)


def _gradient_registry() -> dict[Any, Any] | None:
    """TensorFlow's private gradient registry (a dict by op name), or None where it moved."""
    try:
        from tensorflow.python.framework import ops  # the registry has no public API

        registry = ops._gradient_registry._registry
    except (ImportError, AttributeError):
        return None
    return registry if isinstance(registry, dict) else None
