"""The layer graph as a QGraphicsScene: items placed where the engine's layout put them.

The scene knows nothing of threads or widgets: give it a `ModelGraph` and its `GraphLayout`
(computed elsewhere, with `TextMetrics.node_size` for the boxes) and it draws them. The view, the
exports and the headless `cnnstudio graph` all show this same scene.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from cnnstudio.gui.graph.items import BlockFrame, EdgeItem, NodeItem
from cnnstudio.gui.graph.style import TextMetrics

# The engine's graph modules import Keras: type hints only, so the window opens without it.
if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.graph_layout import GraphLayout
    from cnnstudio.engine.anatomy.graph_model import GraphNode, ModelGraph

METRICS = ("params", "macs")  # what the share bar measures
MARGIN = 24.0


class GraphScene(QGraphicsScene):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The canvas sets the background from the theme (GraphCanvas._follow_palette).
        # The items never move after they are placed: the BSP index makes finding the visible
        # ones cheap; its depth is chosen by Qt from the item count.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.graph: ModelGraph | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: list[EdgeItem] = []
        self.metric = "params"
        self.selectionChanged.connect(self._on_selection)

    def show_graph(
        self,
        graph: ModelGraph,
        layout: GraphLayout,
        metrics: TextMetrics,
        metric: str = "params",
        frames: Collection[str] = (),
    ) -> None:
        """Replace the scene's contents with `graph` placed by `layout`, with a frame around the
        visible layers of each block in `frames`."""
        self.clearSelection()
        self.clear()
        self.graph = graph
        self.nodes, self.edges = {}, []
        for node in graph.nodes:
            item = NodeItem(node, layout.boxes[node.id], metrics)
            self.addItem(item)
            self.nodes[node.id] = item
        for block in frames:
            members = [item for item in self.nodes.values() if block in item.node.blocks]
            if members:
                around = members[0].sceneBoundingRect()
                for item in members[1:]:
                    around = around.united(item.sceneBoundingRect())
                self.addItem(BlockFrame(block, around.adjusted(2, 2, -2, -2)))
        for route in layout.routes:
            edge = EdgeItem(route)
            self.addItem(edge)
            self.edges.append(edge)
        self.setSceneRect(
            QRectF(-MARGIN, -MARGIN, layout.width + 2 * MARGIN, layout.height + 2 * MARGIN)
        )
        self.set_metric(metric)

    # -- the share bars ---------------------------------------------------------------------------

    def set_metric(self, metric: str) -> None:
        """Bars show each node's `metric` ("params" or "macs") against the largest node's."""
        if metric not in METRICS:
            raise ValueError(f"metric is one of {METRICS}; received {metric!r}")
        self.metric = metric
        if self.graph is None:
            return
        values = {node.id: getattr(node, metric) for node in self.graph.nodes}
        total, largest = sum(values.values()), max(values.values(), default=0)
        for node_id, item in self.nodes.items():
            value = values[node_id]
            share = value / largest if largest else 0.0
            text = (
                f"{100 * value / total:.1f} % of {metric.replace('macs', 'MACs')}" if total else ""
            )
            item.set_share(share, text)

    # -- lookup, selection and search -------------------------------------------------------------

    def node_item(self, node_id: str) -> NodeItem | None:
        return self.nodes.get(node_id)

    def selected_node(self) -> GraphNode | None:
        items = [item for item in self.selectedItems() if isinstance(item, NodeItem)]
        return items[0].node if items else None

    def select_node(self, node_id: str) -> NodeItem | None:
        item = self.nodes.get(node_id)
        if item is not None and not item.isSelected():
            self.clearSelection()
            item.setSelected(True)
        return item

    def node_for_layer(self, layer: str) -> str | None:
        """The node showing `layer` (itself, or the collapsed block that holds it)."""
        if layer in self.nodes:
            return layer
        if self.graph is None:
            return None
        return next((node.id for node in self.graph.nodes if layer in node.layers), None)

    def find(self, text: str) -> list[str]:
        """Node ids, in graph order, whose name, title or type contains `text` (any case); a
        collapsed block matches by the layers it holds too."""
        needle = text.strip().lower()
        if not needle or self.graph is None:
            return []
        return [
            node.id
            for node in self.graph.nodes
            if needle in node.id.lower()
            or needle in node.label.lower()
            or needle in node.type.lower()
            or any(needle in layer.lower() for layer in node.layers)
        ]

    def mark_matches(self, node_ids: list[str]) -> None:
        wanted = set(node_ids)
        for node_id, item in self.nodes.items():
            item.set_matched(node_id in wanted)

    def _on_selection(self) -> None:
        node = self.selected_node()
        selected = node.id if node is not None else None
        for edge in self.edges:
            edge.set_highlighted(selected is not None and selected in (edge.source, edge.target))

    @contextlib.contextmanager
    def uncached(self) -> Iterator[None]:
        """Items paint themselves, not their screen pixmaps: for exports (SVG keeps real text
        and shapes; PNG gets full resolution)."""
        modes = [(item, item.cacheMode()) for item in self.nodes.values()]
        for item, _ in modes:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        try:
            yield
        finally:
            for item, mode in modes:
                item.setCacheMode(mode)

    def graph_rect(self) -> QRectF:
        """The graph's extent, margins included (the scene rect)."""
        return self.sceneRect()
