"""The layer graph's background work: statistics, graph and layout off the GUI thread, and a
trained layer's weight statistics.

One worker thread serves two slots, the newest request replacing the pending one of its kind (a
person who clicks through five models wants the last one): a graph job (`GraphRequest` ->
`GraphResult`) and a weights job (`WeightsRequest` -> `WeightsResult`). Keras objects are made
and read on this thread only; the GUI gets plain data back (and the trained model as an opaque
handle it hands back for weight jobs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from cnnstudio.engine.anatomy.graph_pipeline import GraphRequest, build_graph_result
from cnnstudio.gui.graph.style import TextMetrics
from cnnstudio.gui.workers import LatestRequestWorker


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


class GraphWorker(LatestRequestWorker):
    """Serves the newest graph and weights requests on one thread (a graph first); emits
    `built(GraphResult)`, `weightsRead(WeightsResult)` and `progress(str)`. Once stopped it
    serves no more."""

    built = Signal(object)
    weightsRead = Signal(object)
    progress = Signal(str)
    slots = ("graph", "weights")

    def __init__(self, metrics: TextMetrics, parent: QObject | None = None) -> None:
        super().__init__("graphWorker", parent)
        self._metrics = metrics

    def request_graph(self, request: GraphRequest) -> None:
        self.offer(request, "graph")

    def request_weights(self, request: WeightsRequest) -> None:
        self.offer(request, "weights")

    def handle(self, slot: str, request: object) -> None:  # worker thread: no widgets
        if slot == "graph":
            result = build_graph_result(request, self._metrics.node_size, self.progress.emit)
            if not self.stopping():
                self.built.emit(result)
        else:
            weights = read_weights(request)
            if not self.stopping():
                self.weightsRead.emit(weights)
