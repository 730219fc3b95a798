"""A minimap: the whole graph small, with the main view's visible part as a frame; click or drag
in it to move the main view there.

The graph is rendered into a pixmap once per graph (and per size), so following the main view
costs one pixmap blit and a rectangle per frame, whatever the graph's size.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.gui.graph.canvas import GraphCanvas
from cnnstudio.i18n import _


class Minimap(QWidget):
    def __init__(self, canvas: GraphCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphMinimap")
        self.setAccessibleName(_("Minimap of the layer graph"))
        self._canvas = canvas
        self._pixmap: QPixmap | None = None
        self._target = QRectF()  # where the graph sits in the widget
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        canvas.visibleChanged.connect(self.update)
        canvas.scene().sceneRectChanged.connect(lambda _rect: self.invalidate())

    def sizeHint(self) -> QSize:
        return QSize(220, 240)

    def invalidate(self) -> None:
        """Render the graph again at the next paint (a new graph, new matches)."""
        self._pixmap = None
        self.update()

    def _scene_rect(self) -> QRectF:
        return self._canvas.sceneRect()

    def _render(self) -> None:
        rect = self._scene_rect()
        area = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        if rect.isEmpty() or area.isEmpty():
            self._pixmap, self._target = None, QRectF()
            return
        scale = min(area.width() / rect.width(), area.height() / rect.height())
        size = QSize(max(1, int(rect.width() * scale)), max(1, int(rect.height() * scale)))
        self._target = QRectF(
            area.x() + (area.width() - size.width()) / 2,
            area.y() + (area.height() - size.height()) / 2,
            size.width(),
            size.height(),
        )
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.palette().color(QPalette.ColorRole.Base))  # the canvas's, light or dark
        painter = QPainter(pixmap)
        self._canvas.scene().render(painter, QRectF(0, 0, size.width(), size.height()), rect)
        painter.end()
        self._pixmap = pixmap

    def _to_widget(self, point: QPointF) -> QPointF:
        rect = self._scene_rect()
        sx = self._target.width() / rect.width()
        sy = self._target.height() / rect.height()
        return QPointF(
            self._target.x() + (point.x() - rect.x()) * sx,
            self._target.y() + (point.y() - rect.y()) * sy,
        )

    def to_scene(self, point: QPointF) -> QPointF:
        rect = self._scene_rect()
        if self._target.isEmpty():
            return rect.center()
        return QPointF(
            rect.x() + (point.x() - self._target.x()) * rect.width() / self._target.width(),
            rect.y() + (point.y() - self._target.y()) * rect.height() / self._target.height(),
        )

    def frame_rect(self) -> QRectF:
        """The main view's visible part, in this widget's coordinates."""
        visible = self._canvas.visible_rect().intersected(self._scene_rect())
        if visible.isEmpty() or self._target.isEmpty():
            return QRectF()
        return QRectF(self._to_widget(visible.topLeft()), self._to_widget(visible.bottomRight()))

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None:
            self._render()
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.AlternateBase))
        if self._pixmap is None:
            return
        painter.drawPixmap(self._target.topLeft(), self._pixmap)
        frame = self.frame_rect()
        if not frame.isEmpty():
            painter.setPen(QPen(QColor("#1565c0"), 2))
            painter.setBrush(QColor(21, 101, 192, 40))
            painter.drawRect(frame)

    def _move_to(self, event: QMouseEvent) -> None:
        self._canvas.centerOn(self.to_scene(event.position()))
        self._canvas.visibleChanged.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._move_to(event)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._move_to(event)
            event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.invalidate()
