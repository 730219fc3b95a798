"""Parameters and MACs of a model at a given input, computed behind the window.

Building a model takes from 0.1 s (LeNet-5) to 5 s (DenseNet-201) of mostly Python work, so it
happens on one worker thread that serves a queue. The newest request list replaces the pending
one (a person who clicks through five models wants the last one, not all five in order), and
results are cached by request, so going back to a model is instant.

The figures come from the engine (`graph_source.zoo_stats`): shipped for every model at its
canonical input and each data set's, cached locally otherwise, built without weight buffers and
isolated from a training run's seeded build when they must be computed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from cnnstudio.gui.workers import Worker


@dataclass(frozen=True)
class StatsRequest:
    model: str
    input_shape: tuple[int, int, int]
    num_classes: int
    # Sorted (key, value) pairs: hashable, and equal for equal option dicts.
    options: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def make(
        cls,
        model: str,
        input_shape: tuple[int, int, int],
        num_classes: int,
        options: dict[str, Any] | None = None,
    ) -> StatsRequest:
        return cls(
            model, tuple(input_shape), int(num_classes), tuple(sorted((options or {}).items()))
        )


@dataclass(frozen=True)
class StatsResult:
    request: StatsRequest
    params: int | None = None
    macs: int | None = None
    # Why the model could not be built at this input (a person-readable ValueError message).
    error: str | None = None


def compute_stats(request: StatsRequest) -> StatsResult:
    """Ask the engine (imports the zoo; call on the worker thread): its statistics come from
    the shipped figures, the local cache or a build without weight buffers, keyed the one way
    (`graph_source.stats_key`)."""
    from cnnstudio.engine.anatomy.graph_source import zoo_stats

    try:
        stats = zoo_stats(
            request.model, request.input_shape, request.num_classes, dict(request.options)
        )
    except Exception as error:  # bad option/shape pairs are ValueErrors; show any reason
        return StatsResult(request, error=str(error) or type(error).__name__)
    return StatsResult(request, stats.params, stats.macs)


class ModelStatsWorker(Worker):
    """Serves `request()` lists in order on one thread; emits `computed(StatsResult)`. Once
    stopped it serves no more."""

    computed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("modelStatsWorker", parent)
        self._condition = threading.Condition()
        self._pending: list[StatsRequest] = []
        self._cache: dict[StatsRequest, StatsResult] = {}

    def cached(self, request: StatsRequest) -> StatsResult | None:
        with self._condition:
            return self._cache.get(request)

    def request(self, requests: list[StatsRequest]) -> None:
        """Replace the pending queue with `requests` (those not cached yet); start if needed."""
        with self._condition:
            self._pending = [r for r in dict.fromkeys(requests) if r not in self._cache]
            self._condition.notify()
        if not self.isRunning() and not self.stopping():
            self.start(QThread.Priority.LowPriority)

    def pending(self) -> int:
        with self._condition:
            return len(self._pending)

    def stop(self) -> None:
        """Drop the queue; the model being built (at most a few seconds) is the last."""
        super().stop()
        with self._condition:
            self._pending.clear()
            self._condition.notify()

    def work(self) -> None:  # worker thread: no widgets
        while True:
            with self._condition:
                while not self._pending and not self.stopping():
                    self._condition.wait()
                if self.stopping():
                    return
                request = self._pending.pop(0)
            result = compute_stats(request)
            with self._condition:
                self._cache[request] = result
                if self.stopping():
                    return
            self.computed.emit(result)
