"""The interactive view of a GraphScene: wheel zoom around the cursor, drag to pan, fit, jump to
a node, double click to expand or collapse.

Rendering is tuned for 700-node graphs: antialiasing only when zoomed in enough to see it, the
items' level of detail (`items.py`), cached node pixmaps, and a viewport that repaints only what
changed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPalette, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from cnnstudio.gui.graph.items import NodeItem
from cnnstudio.gui.graph.scene import GraphScene
from cnnstudio.i18n import _

MIN_SCALE = 0.01
MAX_SCALE = 4.0
WHEEL_STEP = 1.2  # zoom factor per wheel notch (120 eighths of a degree)
ANTIALIAS_MIN_SCALE = 0.4  # below it lines are hairlines anyway; plain drawing is faster
READABLE_SCALE = 0.75  # the opening view never starts smaller than this: text reads


class GraphCanvas(QGraphicsView):
    # A node was double clicked (expand a block, collapse the block of a member).
    nodeActivated = Signal(str)
    # Zoom or scroll changed what is visible (the minimap follows).
    visibleChanged = Signal()

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("graphCanvas")
        self.setAccessibleName(_("Layer graph"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        # Zoom keeps the point under the cursor itself (set_zoom), so Qt's anchor stays out.
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self._follow_palette()
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.horizontalScrollBar().valueChanged.connect(self.visibleChanged)
        self.verticalScrollBar().valueChanged.connect(self.visibleChanged)
        self._apply_render_hints()

    def graph_scene(self) -> GraphScene:
        return self.scene()  # type: ignore[return-value]

    # -- zoom -------------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to `scale` (1 = 100 %), keeping the scene point under `anchor` (viewport
        coordinates) in place; the viewport's centre when None."""
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        self.resetTransform()
        self.scale(scale, scale)
        # Move so the anchored scene point sits under the anchor again.
        after = self.mapToScene(anchor.toPoint())
        delta = after - before
        centre = self.mapToScene(self.viewport().rect().center()) - delta
        self.centerOn(centre)
        self._apply_render_hints()
        self.visibleChanged.emit()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom() * factor, anchor)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()

    def _follow_palette(self) -> None:
        """The canvas behind the nodes in the theme's base colour (light or dark); the nodes
        keep their kind colours, which read on both."""
        self.scene().setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))

    def fit_scale(self) -> float:
        rect = self.sceneRect()
        view = self.viewport().rect()
        if rect.isEmpty() or view.isEmpty():
            return 1.0
        return min(view.width() / rect.width(), view.height() / rect.height())

    def fit(self) -> None:
        """The whole graph in the window (never larger than 100 %) when it is readable so; a
        deep graph (an expanded ResNet-50 fitted whole is a one-column sliver no one can read)
        at the smallest readable scale instead, scrolled to its input."""
        if self.fit_scale() < READABLE_SCALE:
            self.show_start()
            return
        self.set_zoom(min(1.0, self.fit_scale()))
        self.centerOn(self.sceneRect().center())
        self.visibleChanged.emit()

    def show_start(self) -> None:
        """The opening view: the whole graph when it is readable so, else its top at a readable
        scale as wide as the window allows."""
        rect = self.sceneRect()
        if self.fit_scale() >= READABLE_SCALE:
            self.set_zoom(min(1.0, self.fit_scale()))
            self.centerOn(rect.center())
            self.visibleChanged.emit()
            return
        view = self.viewport().rect()
        width_scale = view.width() / rect.width() if rect.width() else 1.0
        self.set_zoom(min(1.0, max(READABLE_SCALE, width_scale)))
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        self.centerOn(QPointF(rect.center().x(), rect.top() + visible.height() / 2))
        self.visibleChanged.emit()

    def visible_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def center_on_node(self, node_id: str) -> NodeItem | None:
        """Scroll to a node, zooming in to a readable scale if needed; it is not selected."""
        item = self.graph_scene().node_item(node_id)
        if item is None:
            return None
        if self.zoom() < 0.6:
            self.set_zoom(1.0)
        self.centerOn(item.sceneBoundingRect().center())
        self.visibleChanged.emit()
        return item

    def _apply_render_hints(self) -> None:
        self.setRenderHint(QPainter.RenderHint.Antialiasing, self.zoom() >= ANTIALIAS_MIN_SCALE)

    # -- events -----------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            super().wheelEvent(event)
            return
        self.zoom_by(WHEEL_STEP**steps, event.position())
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, NodeItem):
            self.nodeActivated.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.visibleChanged.emit()
