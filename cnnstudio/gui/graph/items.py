"""The scene's items: a box per graph node, a routed arrow per edge.

Both paint by level of detail, so a 700-layer graph stays fast when zoomed far out: under
`TEXT_MIN_PX` a line of text is not drawn at all, and under `DETAIL_MIN_LOD` a box is a plain
rectangle and an arrow a bare line (no antialiasing is needed there either; the view switches it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from cnnstudio.gui.graph import style
from cnnstudio.i18n import _

# The engine's graph modules import Keras: type hints only, so the window opens without it.
if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.graph_layout import EdgeRoute, NodeBox
    from cnnstudio.engine.anatomy.graph_model import GraphNode

TEXT_MIN_PX = 4.0  # text smaller than this on screen is noise: skip it
DETAIL_MIN_LOD = 0.3  # below this scale, boxes and arrows are drawn without their details
ARROW = 7.0  # arrowhead length, scene units


class NodeItem(QGraphicsItem):
    """One GraphNode: coloured box, bold title, type, output shape, figures, share bar."""

    def __init__(self, node: GraphNode, box: NodeBox, metrics: style.TextMetrics) -> None:
        super().__init__()
        self.node = node
        self._rect = QRectF(0, 0, box.width, box.height)
        self._bounds = self._rect.adjusted(-2, -2, 2, 2)  # asked for thousands of times a frame
        self._metrics = metrics
        self._lines = style.node_lines(node)
        self._fill = style.kind_colour(node.kind)
        self.share = 0.0  # of the largest node's parameters (or MACs): the bar's length, 0..1
        self.share_text = ""
        self.matched = False  # a search match
        self.setPos(box.x, box.y)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        # Pans repaint from the cached pixmap; a zoom redraws once at the new scale.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip(f"{node.label} ({node.type})")
        self.setData(0, node.id)

    @property
    def node_id(self) -> str:
        return self.node.id

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_share(self, share: float, text: str) -> None:
        if (share, text) != (self.share, self.share_text):
            self.share, self.share_text = share, text
            self.update()

    def set_matched(self, matched: bool) -> None:
        if matched != self.matched:
            self.matched = matched
            self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        fill = style.MATCH_FILL if self.matched else self._fill
        selected = self.isSelected()
        if lod < DETAIL_MIN_LOD:
            painter.fillRect(self._rect, style.SELECTED_BORDER if selected else fill)
            return
        pen = QPen(style.SELECTED_BORDER if selected else style.BORDER, 2.5 if selected else 1)
        if self.node.collapsed:
            pen.setWidthF(pen.widthF() + 1)  # a block reads as a heavier box
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(self._rect, 4, 4)
        self._paint_bar(painter)
        line_height = self._metrics.line_height
        if line_height * lod * 0.75 < TEXT_MIN_PX:
            return
        painter.setPen(Qt.GlobalColor.black)
        x, baseline = style.PADDING, style.PADDING + self._metrics.ascent
        painter.setFont(style.node_font(bold=True))
        painter.drawText(QPointF(x, baseline), self.node.label)
        painter.setFont(style.node_font())
        for line in self._lines:
            baseline += line_height
            painter.drawText(QPointF(x, baseline), line)

    def _paint_bar(self, painter: QPainter) -> None:
        if self.share <= 0:
            return
        inner = self._rect.width() - 2 * style.PADDING
        bar = QRectF(
            style.PADDING,
            self._rect.height() - style.PADDING / 2 - style.BAR_HEIGHT,
            max(1.0, inner * min(1.0, self.share)),
            style.BAR_HEIGHT,
        )
        painter.fillRect(bar, style.BAR_COLOUR)


class EdgeItem(QGraphicsItem):
    """An edge along its route (source's bottom to target's top), ending in an arrowhead."""

    def __init__(self, route: EdgeRoute) -> None:
        super().__init__()
        self.source, self.target = route.source, route.target
        points = [QPointF(x, y) for x, y in route.points]
        self._path = QPainterPath(points[0])
        for point in points[1:]:
            self._path.lineTo(point)
        self._arrow = _arrowhead(points[-2] if len(points) > 1 else points[0], points[-1])
        self._bounds = (
            self._path.boundingRect().united(self._arrow.boundingRect()).adjusted(-2, -2, 2, 2)
        )
        self.highlighted = False
        self.setZValue(-1)  # under the boxes

    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_highlighted(self, highlighted: bool) -> None:
        if highlighted != self.highlighted:
            self.highlighted = highlighted
            self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        colour = style.SELECTED_BORDER if self.highlighted else style.EDGE_COLOUR
        pen = QPen(colour, 2.0 if self.highlighted else 1.2)
        pen.setCosmetic(self.highlighted)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= DETAIL_MIN_LOD:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            painter.drawPolygon(self._arrow)


def _arrowhead(before: QPointF, tip: QPointF) -> QPolygonF:
    """A filled triangle pointing from `before` to `tip` (mostly straight down)."""
    dx, dy = tip.x() - before.x(), tip.y() - before.y()
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    base = QPointF(tip.x() - ux * ARROW, tip.y() - uy * ARROW)
    half = ARROW * 0.45
    return QPolygonF(
        [
            tip,
            QPointF(base.x() - uy * half, base.y() + ux * half),
            QPointF(base.x() + uy * half, base.y() - ux * half),
        ]
    )


class BlockFrame(QGraphicsItem):
    """A light frame behind the layers of an opened block, its name above them: after a double
    click, where the block's layers are (and that a double click on one closes it)."""

    PAD = 8.0
    LABEL = 14.0  # room for the name above the first row

    def __init__(self, name: str, around: QRectF) -> None:
        super().__init__()
        self.name = name
        self._rect = around.adjusted(-self.PAD, -self.PAD - self.LABEL, self.PAD, self.PAD)
        self._bounds = self._rect.adjusted(-1, -1, 1, 1)
        self.setZValue(-2)  # under edges and boxes
        self.setToolTip(_("{name}: double click one of its layers to close it").format(name=name))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        pen = QPen(style.FRAME_BORDER, 1, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(style.FRAME_FILL)
        painter.drawRoundedRect(self._rect, 6, 6)
        if self.LABEL * lod * 0.75 < TEXT_MIN_PX:
            return
        painter.setPen(style.FRAME_BORDER)
        painter.setFont(style.node_font(bold=True))
        painter.drawText(QPointF(self._rect.x() + 6, self._rect.y() + self.LABEL - 1), self.name)
