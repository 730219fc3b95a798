"""The app's icons, drawn for it: one simple line glyph per view (the sidebar) and per tool (the
training and graph toolbars), painted as vectors at the screen's pixel ratio (crisp at 200 %
scaling, no image files to ship or license), in the palette's text colour so they follow light
and dark themes.

`view_icon(key, colour, selected)` returns a QIcon; an unknown key gets no icon (a view added
later simply shows its title).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QWidget

SIZE = 20.0  # the glyphs are drawn in a 20 x 20 box, scaled to the icon's size


def _lessons(p: QPainter) -> None:  # an open book
    p.drawLine(QPointF(10, 5), QPointF(10, 16))
    p.drawPolyline([QPointF(10, 5), QPointF(3, 3.5), QPointF(3, 15), QPointF(10, 16)])
    p.drawPolyline([QPointF(10, 5), QPointF(17, 3.5), QPointF(17, 15), QPointF(10, 16)])


def _models(p: QPainter) -> None:  # a grid of four cards
    for x, y in ((3, 3), (11, 3), (3, 11), (11, 11)):
        p.drawRoundedRect(QRectF(x, y, 6, 6), 1.2, 1.2)


def _graph(p: QPainter) -> None:  # nodes joined top to bottom
    p.drawLine(QPointF(10, 6), QPointF(5, 14))
    p.drawLine(QPointF(10, 6), QPointF(15, 14))
    for x, y in ((10, 4), (5, 16), (15, 16)):
        p.drawEllipse(QPointF(x, y), 2.3, 2.3)


def _concepts(p: QPainter) -> None:  # a kernel over a grid
    p.drawRect(QRectF(3, 3, 14, 14))
    p.drawLine(QPointF(3, 10), QPointF(17, 10))
    p.drawLine(QPointF(10, 3), QPointF(10, 17))
    p.save()
    p.setPen(QPen(p.pen().color(), 2.2))
    p.drawRect(QRectF(5, 5, 8, 8))
    p.restore()


def _data(p: QPainter) -> None:  # a stack of images
    p.drawRect(QRectF(6, 3, 11, 9))
    p.drawPolyline([QPointF(4.5, 5), QPointF(4.5, 13.5), QPointF(15, 13.5)])
    p.drawPolyline([QPointF(3, 7), QPointF(3, 17), QPointF(13, 17)])


def _training(p: QPainter) -> None:  # a falling loss curve on axes
    p.drawPolyline([QPointF(3, 3), QPointF(3, 17), QPointF(17, 17)])
    path = QPainterPath(QPointF(5, 5))
    path.cubicTo(QPointF(8, 13), QPointF(11, 14), QPointF(17, 14.5))
    p.drawPath(path)


def _runs(p: QPainter) -> None:  # a list
    for y in (5, 10, 15):
        p.drawEllipse(QPointF(4, y), 1.2, 1.2)
        p.drawLine(QPointF(7.5, y), QPointF(17, y))


def _evaluate(p: QPainter) -> None:  # a confusion matrix with its diagonal
    p.drawRect(QRectF(3, 3, 14, 14))
    p.save()
    p.setBrush(p.pen().color())
    for i in range(3):
        p.drawRect(QRectF(3 + i * 14 / 3, 3 + i * 14 / 3, 14 / 3, 14 / 3))
    p.restore()


def _explain(p: QPainter) -> None:  # an eye
    path = QPainterPath(QPointF(2.5, 10))
    path.quadTo(QPointF(10, 2), QPointF(17.5, 10))
    path.quadTo(QPointF(10, 18), QPointF(2.5, 10))
    p.drawPath(path)
    p.drawEllipse(QPointF(10, 10), 2.6, 2.6)


def _pad(p: QPainter) -> None:  # a pen
    p.drawPolygon([QPointF(13, 3), QPointF(17, 7), QPointF(7, 17), QPointF(3, 17), QPointF(3, 13)])
    p.drawLine(QPointF(11, 5), QPointF(15, 9))


def _train(p: QPainter) -> None:  # play
    p.save()
    p.setBrush(p.pen().color())
    p.drawPolygon([QPointF(6, 4), QPointF(16, 10), QPointF(6, 16)])
    p.restore()


def _pause(p: QPainter) -> None:
    p.save()
    p.setBrush(p.pen().color())
    p.drawRect(QRectF(5.5, 4.5, 3, 11))
    p.drawRect(QRectF(11.5, 4.5, 3, 11))
    p.restore()


def _stop(p: QPainter) -> None:
    p.save()
    p.setBrush(p.pen().color())
    p.drawRect(QRectF(5, 5, 10, 10))
    p.restore()


def _fit(p: QPainter) -> None:  # four corners
    for x, y, dx, dy in ((3, 3, 1, 1), (17, 3, -1, 1), (3, 17, 1, -1), (17, 17, -1, -1)):
        p.drawPolyline([QPointF(x, y + 4 * dy), QPointF(x, y), QPointF(x + 4 * dx, y)])


def _expand(p: QPainter) -> None:  # a box with a plus
    p.drawRect(QRectF(3, 3, 14, 14))
    p.drawLine(QPointF(10, 6.5), QPointF(10, 13.5))
    p.drawLine(QPointF(6.5, 10), QPointF(13.5, 10))


def _collapse(p: QPainter) -> None:  # a box with a minus
    p.drawRect(QRectF(3, 3, 14, 14))
    p.drawLine(QPointF(6.5, 10), QPointF(13.5, 10))


def _export(p: QPainter) -> None:  # an arrow out of a tray
    p.drawPolyline([QPointF(3, 11), QPointF(3, 17), QPointF(17, 17), QPointF(17, 11)])
    p.drawLine(QPointF(10, 3), QPointF(10, 13))
    p.drawPolyline([QPointF(6.5, 6.5), QPointF(10, 3), QPointF(13.5, 6.5)])


GLYPHS: dict[str, Callable[[QPainter], None]] = {
    "train": _train,
    "pause": _pause,
    "stop": _stop,
    "fit": _fit,
    "expand": _expand,
    "collapse": _collapse,
    "export": _export,
    "lessons": _lessons,
    "models": _models,
    "graph": _graph,
    "concepts": _concepts,
    "data": _data,
    "training": _training,
    "runs": _runs,
    "evaluate": _evaluate,
    "explain": _explain,
    "pad": _pad,
}


class _GlyphEngine(QIconEngine):
    """Paints the glyph at whatever size and pixel ratio Qt asks for: never a scaled bitmap."""

    def __init__(self, glyph: Callable[[QPainter], None], colour: QColor, selected: QColor) -> None:
        super().__init__()
        self._glyph, self._colour, self._selected = glyph, QColor(colour), QColor(selected)

    def paint(self, painter: QPainter, rect, mode, state) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(self._selected if mode == QIcon.Mode.Selected else self._colour)
        if mode == QIcon.Mode.Disabled:
            colour.setAlphaF(0.4)
        painter.translate(rect.topLeft())
        scale = min(rect.width(), rect.height()) / SIZE
        painter.scale(scale, scale)
        pen = QPen(colour, 1.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        self._glyph(painter)
        painter.restore()

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, pixmap.rect(), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _GlyphEngine(self._glyph, self._colour, self._selected)


def tool_icon(key: str, widget: QWidget) -> QIcon:
    """The tool's glyph in `widget`'s button text colour (and disabled grey)."""
    palette = widget.palette()
    return view_icon(key, palette.buttonText().color(), palette.highlightedText().color())


def view_icon(key: str, colour: QColor, selected: QColor | None = None) -> QIcon:
    """The view's glyph in `colour` (in `selected` on a selected row: the highlight's text)."""
    glyph = GLYPHS.get(key)
    if glyph is None:
        return QIcon()
    return QIcon(_GlyphEngine(glyph, colour, selected or colour))
