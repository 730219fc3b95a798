"""The pad's canvas: a square that the mouse, a touch screen or a pen draws on.

It holds the strokes (for undo), an optional loaded picture under them, and a QImage of what the
person sees, painted incrementally while the pen moves (one smooth piece per event, see
`strokes`) and repainted whole on undo, resize, polarity or load. `image_array()` gives that
image as H x W grey bytes, exactly as shown (white on black like MNIST, or black on white): the
engine's preprocessing handles both, as it does for a saved drawing given to `cnnstudio predict`.

The image has the screen's pixel density (twice the widget's pixels on a 2x screen), and so has
`image_array()`; the preprocessing takes any size.

`changed(final)` reports every change: `final` False while a stroke grows (the view debounces),
True when a stroke ends and on clear, undo, load or a polarity switch. `message(text)` says what
came of a load or a save; a picture that cannot be read leaves the drawing as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.gui.pad.pictures import PictureError, dropped_file, read_picture
from cnnstudio.gui.pad.strokes import MOUSE_PRESSURE, Stroke, StrokePainter
from cnnstudio.i18n import _

DEFAULT_WIDTH = 22.0  # pixels at 280: close to an MNIST stroke once scaled to the 20x20 box
MIN_SIDE = 280


class PadCanvas(QWidget):
    changed = Signal(bool)  # final: the stroke ended, or the drawing was replaced
    message = Signal(str, bool)  # the text, and whether it reports a failure

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padCanvas")
        self.setAccessibleName(_("Drawing pad"))
        self.setAccessibleDescription(
            _(
                "Draw a digit with the mouse, a pen or a finger. Esc or Delete clears, "
                "Ctrl+Z undoes."
            )
        )
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.strokes: list[Stroke] = []
        self.stroke_width = DEFAULT_WIDTH
        self.light_on_dark = True  # MNIST's way: white ink on black
        self._picture: QImage | None = None  # a loaded picture, grey, light on dark
        self._current: Stroke | None = None
        self._side = 0  # in logical pixels; the image has devicePixelRatio times as many
        self._image = QImage()
        self._make_image(MIN_SIDE)

    # -- state ----------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width  # square

    @property
    def side(self) -> int:
        """The square's side in logical pixels (the widget's coordinates)."""
        return self._side

    def _make_image(self, side: int) -> None:
        # At the screen's own resolution, so strokes stay sharp on a high-DPI screen; painters
        # on it work in logical pixels (Qt scales by the image's devicePixelRatio).
        ratio = max(1.0, self.devicePixelRatioF())
        physical = round(side * ratio)
        self._side = side
        self._image = QImage(physical, physical, QImage.Format.Format_RGB32)
        self._image.setDevicePixelRatio(ratio)
        self._render()

    def ink(self) -> QColor:
        return QColor(Qt.GlobalColor.white if self.light_on_dark else Qt.GlobalColor.black)

    def background(self) -> QColor:
        return QColor(Qt.GlobalColor.black if self.light_on_dark else Qt.GlobalColor.white)

    def is_blank(self) -> bool:
        return self._picture is None and not any(stroke.points for stroke in self.strokes)

    def drawing(self) -> bool:
        """A stroke is in progress."""
        return self._current is not None

    def image(self) -> QImage:
        return self._image

    def image_array(self) -> np.ndarray:
        """The canvas as shown, H x W uint8 grey (a copy, safe to hand to another thread)."""
        # The image is grey painted as RGB32 (the fast format to paint on): one byte of each
        # pixel's four is its grey level. Slicing it out costs ~0.1 ms where
        # convertToFormat(Grayscale8) cost several ms per call on a busy 2-core machine.
        image = self._image
        rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
        return rows[:, : 4 * image.width() : 4].copy()

    def set_stroke_width(self, width: float) -> None:
        """Width of the next strokes, in pixels of a 280-pixel canvas."""
        self.stroke_width = float(width)

    def set_light_on_dark(self, light_on_dark: bool) -> None:
        if light_on_dark != self.light_on_dark:
            self.light_on_dark = light_on_dark
            self._render()
            self.changed.emit(True)

    # -- editing --------------------------------------------------------------------------------

    def clear(self) -> None:
        self._current = None
        if self.is_blank() and not self.strokes:
            return
        self.strokes.clear()
        self._picture = None
        self._render()
        self.changed.emit(True)

    def undo(self) -> None:
        """Remove the last stroke; with no stroke left, the loaded picture."""
        if self._current is not None:
            return  # not in the middle of a stroke
        if self.strokes:
            self.strokes.pop()
        elif self._picture is not None:
            self._picture = None
        else:
            return
        self._render()
        self.changed.emit(True)

    def load_image(self, path: str | Path) -> bool:
        """Put a picture (PNG, JPEG, any format Pillow reads) on the canvas, in place of the
        drawing. An unreadable file keeps the drawing and says why through `message`."""
        path = Path(path)
        try:
            grey = read_picture(path)
        except PictureError as error:
            self.message.emit(
                _("Could not load {name}: {error}. The drawing is unchanged.").format(
                    name=path.name, error=error
                ),
                True,
            )
            return False
        self._picture = grey
        self._current = None
        self.strokes.clear()
        self._render()
        self.message.emit(_("Loaded {name}").format(name=path.name), False)
        self.changed.emit(True)
        return True

    def save_png(self, path: str | Path) -> bool:
        grey = self._image.convertToFormat(QImage.Format.Format_Grayscale8)
        if grey.save(str(path), "PNG"):
            self.message.emit(_("Saved {name}").format(name=Path(path).name), False)
            return True
        self.message.emit(
            _("Could not save {name}: is the folder writable?").format(name=Path(path).name),
            True,
        )
        return False

    # -- drawing --------------------------------------------------------------------------------

    def _relative(self, position: QPointF) -> tuple[float, float]:
        origin = self._image_rect().topLeft()
        side = max(1, self.side)
        x = (position.x() - origin.x()) / side
        y = (position.y() - origin.y()) / side
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    def begin_stroke(self, position: QPointF, pressure: float = MOUSE_PRESSURE) -> None:
        self._current = Stroke(self.stroke_width)
        self._current.add(*self._relative(position), pressure)
        self.strokes.append(self._current)

    def extend_stroke(self, position: QPointF, pressure: float = MOUSE_PRESSURE) -> None:
        stroke = self._current
        if stroke is None or not stroke.add(*self._relative(position), pressure):
            return
        self._paint(lambda painter: painter.piece(stroke, len(stroke.points) - 1))
        self.changed.emit(False)

    def end_stroke(self) -> None:
        stroke, self._current = self._current, None
        if stroke is None:
            return
        stroke.finished = True
        self._paint(lambda painter: painter.tail(stroke))
        self.changed.emit(True)

    def _paint(self, draw) -> None:
        painter = QPainter(self._image)
        dirty = draw(StrokePainter(painter, self.side, self.ink()))
        painter.end()
        self.update(dirty.translated(QPointF(self._image_rect().topLeft())).toAlignedRect())

    def _render(self) -> None:
        """Repaint the whole image: background, picture, every stroke."""
        self._image.fill(self.background())
        painter = QPainter(self._image)
        if self._picture is not None:
            picture = self._picture
            if not self.light_on_dark:
                picture = picture.copy()
                picture.invertPixels()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            scaled = QSize(picture.width(), picture.height()).scaled(
                self.side, self.side, Qt.AspectRatioMode.KeepAspectRatio
            )
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(QRect(0, 0, self.side, self.side).center())
            painter.drawImage(target, picture)
        stroke_painter = StrokePainter(painter, self.side, self.ink())
        for stroke in self.strokes:
            stroke_painter.whole(stroke)
        painter.end()
        self.update()

    def _image_rect(self) -> QRect:
        rect = QRect(0, 0, self.side, self.side)
        rect.moveCenter(self.rect().center())
        return rect

    # -- Qt events ------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = max(MIN_SIDE // 2, min(event.size().width(), event.size().height()))
        if side != self.side or self._image.devicePixelRatio() != self.devicePixelRatioF():
            self._make_image(side)
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self._image_rect()
        painter.drawImage(rect.topLeft(), self._image)
        painter.setPen(QColor(128, 128, 128))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        if self.is_blank():
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(
                QRectF(rect), Qt.AlignmentFlag.AlignCenter, _("Draw a digit here\nor drop an image")
            )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin_stroke(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.extend_stroke(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.end_stroke()

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self.begin_stroke(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove and self._current is not None:
            self.extend_stroke(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self.end_stroke()
        event.accept()  # no synthesised mouse events on top

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            points = event.points()
            if points:
                point = points[0]
                pressure = point.pressure() if 0.0 < point.pressure() < 1.0 else MOUSE_PRESSURE
                if kind == QEvent.Type.TouchBegin:
                    self.begin_stroke(point.position(), pressure)
                elif kind == QEvent.Type.TouchUpdate:
                    self.extend_stroke(point.position(), pressure)
                else:
                    self.extend_stroke(point.position(), pressure)
                    self.end_stroke()
            event.accept()
            return True
        if kind == QEvent.Type.TouchCancel:
            self.end_stroke()
            return True
        if kind == QEvent.Type.DevicePixelRatioChange:  # moved to a screen of another density
            self._make_image(self.side)
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear()
        elif event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        else:
            super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is not None:
            self.load_image(path)
            event.acceptProposedAction()
