"""Workarounds for TensorFlow behaviour that has no public fix, each with what it costs without.

They reach into TensorFlow's private modules, so they live here, alone, to be found and
re-checked when TensorFlow is upgraded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from cnnstudio.i18n import _


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
                _(
                    "NOTE: TensorFlow's private gradient registry is not where CNN Studio "
                    "expects it; each run in this process may keep about 14 MB until it "
                    "exits"
                )
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


def build_from_local_batch(trainer: Any) -> None:
    """Let `trainer.fit` build under MultiWorkerMirroredStrategy with several workers.

    Keras 3 (3.15) builds a model's optimizer and metrics in `fit` from the first batch, which it
    first reduces across replicas with `strategy.reduce("MEAN", ...)` only to learn its shapes;
    with two workers that reduce fails ("Attempt to convert a value (PerReplica...) to a
    Tensor"), so plain `fit` cannot train multi-worker at all. This builds from the first local
    replica's batch instead (same shapes, no cross-worker traffic), as Keras does for one worker.
    It replaces a private method on this one model; where Keras has renamed it, nothing changes.
    """
    if not hasattr(trainer, "_maybe_symbolic_build") or not hasattr(trainer, "_symbolic_build"):
        return
    import tensorflow as tf

    def first_local(value: Any) -> Any:
        if isinstance(value, tf.distribute.DistributedValues):
            return trainer.distribute_strategy.experimental_local_results(value)[0]
        return value

    def maybe_symbolic_build(iterator: Any = None, data_batch: Any = None) -> None:
        if iterator is not None and data_batch is None:
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(first_local, next(batches))
                break
        with trainer.distribute_strategy.scope():
            trainer._symbolic_build(data_batch=data_batch)

    trainer._maybe_symbolic_build = maybe_symbolic_build


@contextlib.contextmanager
def multi_worker_scalar_means():
    """While the block runs, reduce a multi-worker step's scalar logs without an axis.

    Keras 3 (3.15) reduces each training step's logs (loss, metrics: scalars) across workers
    with `strategy.reduce("MEAN", value, axis=0)`, which fails on a scalar ("Invalid reduction
    dimension 0 for input with 0 dimensions"): `fit` cannot train multi-worker. The mean over
    the replicas (axis None) is what it means; values with a batch axis keep Keras's own path.
    """
    from keras.src.backend.tensorflow import trainer as tf_trainer

    original = getattr(tf_trainer, "reduce_per_replica", None)
    multi_worker = getattr(tf_trainer, "_collective_all_reduce_multi_worker", None)
    if original is None or multi_worker is None:
        yield
        return
    import tensorflow as tf

    def reduce_per_replica(values: Any, strategy: Any, reduction: str = "auto") -> Any:
        if reduction not in ("auto", "mean") or not multi_worker(strategy):
            return original(values, strategy, reduction)

        def mean(value: Any) -> Any:
            local = strategy.experimental_local_results(value)[0]
            scalar = getattr(local, "shape", None) is not None and local.shape.rank == 0
            return strategy.reduce("MEAN", value, axis=None if scalar else 0)

        return tf.nest.map_structure(mean, values)

    tf_trainer.reduce_per_replica = reduce_per_replica
    try:
        yield
    finally:
        tf_trainer.reduce_per_replica = original


VERBOSE_ENV = "CNNSTUDIO_VERBOSE"


def verbose_requested(environ: Any = None) -> bool:
    """CNNSTUDIO_VERBOSE asks for TensorFlow's log back (the app and the command line alike)."""
    import os

    value = (os.environ if environ is None else environ).get(VERBOSE_ENV, "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def quiet_python_log(quiet: bool = True) -> None:
    """TensorFlow's Python logger (its "retracing" advice, deprecation notes) speaks to
    developers, at WARNING, on stderr; TF_CPP_MIN_LOG_LEVEL does not reach it. Errors still
    pass. Safe before TensorFlow is imported: it configures the logger, not TensorFlow."""
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR if quiet else logging.NOTSET)
