"""The layer graph's background work: statistics, graph and layout off the GUI thread, and a
trained layer's weight statistics.

One worker thread serves two slots, the newest request replacing the pending one of its kind (a
person who clicks through five models wants the last one): a graph job (`GraphRequest` ->
`GraphResult`) and a weights job (`WeightsRequest` -> `WeightsResult`). Keras objects are made
and read on this thread only; the GUI gets plain data back (and the trained model as an opaque
handle it hands back for weight jobs).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from cnnstudio.engine.anatomy.graph_pipeline import GraphRequest, build_graph_result
from cnnstudio.gui.graph.style import TextMetrics
from cnnstudio.gui.workers import Worker


@dataclass(frozen=True)
class WeightsRequest:
    model: Any  # the keras.Model of a GraphResult
    layer: str


@dataclass(frozen=True)
class WeightsResult:
    request: WeightsRequest
    rows: list = field(default_factory=list)  # TensorStats
    filters: Any = None  # np.ndarray (n, kh, kw) or None
    error: str | None = None


def read_weights(request: WeightsRequest) -> WeightsResult:
    from cnnstudio.engine.anatomy.graph_source import conv_filters, weight_statistics

    try:
        rows = weight_statistics(request.model, request.layer)
        filters = conv_filters(request.model, request.layer)
    except Exception as error:  # one line in the inspector
        return WeightsResult(request, error=str(error) or type(error).__name__)
    return WeightsResult(request, rows=list(rows), filters=filters)


class GraphWorker(Worker):
    """Serves the newest graph and weights requests on one thread; emits `built(GraphResult)`,
    `weightsRead(WeightsResult)` and `progress(str)`. Once stopped it serves no more."""

    built = Signal(object)
    weightsRead = Signal(object)
    progress = Signal(str)

    def __init__(self, metrics: TextMetrics, parent: QObject | None = None) -> None:
        super().__init__("graphWorker", parent)
        self._metrics = metrics
        self._condition = threading.Condition()
        self._graph: GraphRequest | None = None
        self._weights: WeightsRequest | None = None
        self._busy = False

    def request_graph(self, request: GraphRequest) -> None:
        with self._condition:
            self._graph = request
            self._condition.notify()
        self._ensure_started()

    def request_weights(self, request: WeightsRequest) -> None:
        with self._condition:
            self._weights = request
            self._condition.notify()
        self._ensure_started()

    def _ensure_started(self) -> None:
        if not self.isRunning() and not self.stopping():
            self.start(QThread.Priority.LowPriority)

    def idle(self) -> bool:
        """Nothing pending and nothing being computed."""
        with self._condition:
            return self._graph is None and self._weights is None and not self._busy

    def stop(self) -> None:
        """Drop what is pending; the job in hand (at most a few seconds) is the last."""
        super().stop()
        with self._condition:
            self._graph = self._weights = None
            self._condition.notify()

    def work(self) -> None:  # worker thread: no widgets
        while True:
            with self._condition:
                while self._graph is None and self._weights is None and not self.stopping():
                    self._condition.wait()
                if self.stopping():
                    return
                job: GraphRequest | WeightsRequest
                if self._graph is not None:
                    job, self._graph = self._graph, None
                else:
                    job, self._weights = self._weights, None  # type: ignore[assignment]
                self._busy = True
            try:
                if isinstance(job, GraphRequest):
                    result = build_graph_result(job, self._metrics.node_size, self.progress.emit)
                    if not self.stopping():
                        self.built.emit(result)
                else:
                    weights = read_weights(job)
                    if not self.stopping():
                        self.weightsRead.emit(weights)
            finally:
                with self._condition:
                    self._busy = False
