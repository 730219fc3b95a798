"""Strokes of the drawing pad as data, and how they are painted.

A stroke keeps its points in coordinates relative to the canvas side (0..1) and its width in
pixels of a 280-pixel canvas, so the drawing survives any resize of the window unchanged in
shape. Painting goes piece by piece, quadratic curves through the midpoints of successive
points (the usual smoothing of a polyline: the curve passes through each midpoint with the
point as control), with round caps; the piece painted while the pen moves is the very piece a
full repaint paints, so an undo or a resize redraws exactly what the person saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

REFERENCE_SIDE = 280.0  # stroke widths are given for a canvas of this side
MOUSE_PRESSURE = 0.5  # a mouse or a touch without pressure draws at the nominal width


def width_factor(pressure: float) -> float:
    """0.5 (no pressure information) -> 1.0; a light pen touch thinner, a firm one thicker."""
    return 0.5 + min(max(pressure, 0.0), 1.0)


@dataclass
class Stroke:
    width: float  # nominal width in pixels of a REFERENCE_SIDE canvas
    points: list[tuple[float, float, float]] = field(default_factory=list)  # x, y, pressure
    finished: bool = False

    def add(self, x: float, y: float, pressure: float) -> bool:
        """Add a point (relative coordinates); False when it repeats the last one."""
        if (
            self.points
            and abs(self.points[-1][0] - x) < 1e-4
            and abs(self.points[-1][1] - y) < 1e-4
        ):
            return False
        self.points.append((x, y, pressure))
        return True


def _mid(a: QPointF, b: QPointF) -> QPointF:
    return QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)


class StrokePainter:
    """Paints strokes onto an image of side `side` in the ink colour; returns the dirty rects."""

    def __init__(self, painter: QPainter, side: float, ink: QColor) -> None:
        self.painter, self.side, self.ink = painter, side, ink
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def _point(self, stroke: Stroke, index: int) -> QPointF:
        x, y, _ = stroke.points[index]
        return QPointF(x * self.side, y * self.side)

    def _pen_width(self, stroke: Stroke, pressure: float) -> float:
        return max(1.0, stroke.width * self.side / REFERENCE_SIDE * width_factor(pressure))

    def _stroke_path(self, path: QPainterPath, width: float) -> QRectF:
        pen = QPen(self.ink, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.painter.setPen(pen)
        self.painter.setBrush(Qt.BrushStyle.NoBrush)
        self.painter.drawPath(path)
        margin = width / 2 + 2
        return path.boundingRect().adjusted(-margin, -margin, margin, margin)

    def piece(self, stroke: Stroke, k: int) -> QRectF:
        """The piece that ends at the midpoint before point k (k >= 1): a quadratic curve from
        the previous midpoint (the first point for k == 1) with point k-1 as its control."""
        previous, current = self._point(stroke, k - 1), self._point(stroke, k)
        start = self._point(stroke, 0) if k == 1 else _mid(self._point(stroke, k - 2), previous)
        path = QPainterPath(start)
        path.quadTo(previous, _mid(previous, current))
        pressure = (stroke.points[k - 1][2] + stroke.points[k][2]) / 2
        return self._stroke_path(path, self._pen_width(stroke, pressure))

    def tail(self, stroke: Stroke) -> QRectF:
        """The end of a finished stroke: from the last midpoint to the last point; a single
        click is a round dot."""
        last = self._point(stroke, len(stroke.points) - 1)
        if len(stroke.points) == 1:
            start = last
        else:
            start = _mid(self._point(stroke, len(stroke.points) - 2), last)
        path = QPainterPath(start)
        # A zero-length path draws nothing; a tiny step draws the round cap: a dot.
        path.lineTo(last + QPointF(0.01, 0.0) if start == last else last)
        return self._stroke_path(path, self._pen_width(stroke, stroke.points[-1][2]))

    def whole(self, stroke: Stroke) -> None:
        for k in range(1, len(stroke.points)):
            self.piece(stroke, k)
        if stroke.finished and stroke.points:
            self.tail(stroke)
