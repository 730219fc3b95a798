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

from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.workers import LatestRequestWorker


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


class ModelStatsWorker(LatestRequestWorker):
    """Serves `request()` lists in order on one thread, the newest list replacing the one still
    waiting; emits `computed(StatsResult)`. Once stopped it serves no more."""

    computed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("modelStatsWorker", parent)
        self._cache_lock = threading.Lock()
        self._cache: dict[StatsRequest, StatsResult] = {}

    def cached(self, request: StatsRequest) -> StatsResult | None:
        with self._cache_lock:
            return self._cache.get(request)

    def request(self, requests: list[StatsRequest]) -> None:
        """Replace the waiting list with `requests` (those not cached yet); start if needed."""
        with self._cache_lock:
            fresh = [r for r in dict.fromkeys(requests) if r not in self._cache]
        self.offer(fresh)

    def pending(self) -> int:
        waiting = self.waiting()
        return len(waiting) if isinstance(waiting, list) else 0

    def handle(self, slot: str, request: object) -> None:  # worker thread: no widgets
        requests = list(request)  # type: ignore[call-overload]
        if not requests:
            return
        first, rest = requests[0], requests[1:]
        if rest:
            self.put_back(slot, rest)  # unless a newer list came meanwhile
        result = compute_stats(first)
        with self._cache_lock:
            self._cache[first] = result
        if not self.stopping():
            self.computed.emit(result)
