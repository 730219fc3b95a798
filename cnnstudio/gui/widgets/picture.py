"""An image array shown as large as its room allows: inputs, maps over them, the pad's overlays.

`PictureView.set_pixels(rgb)` takes a uint8 (H, W, 3) array (the engine's `heat_overlay` or
`as_uint8`), keeps its aspect ratio, scales a small image up with nearest neighbour (a 28 x 28
digit stays crisp pixels) and a large one smoothly, and can outline a box of image pixels (the
receptive field). `PictureTile` adds a caption under it. Both are plain widgets: they never read a
file (the engine's one image reader does that).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnnstudio.i18n import _


def rgb_image(pixels: np.ndarray) -> QImage:
    """A uint8 (H, W, 3) array (or (H, W) grey) as a QImage that owns its bytes."""
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., np.newaxis], 3, axis=-1)
    data = np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


class PictureView(QWidget):
    """One picture, fitted to the widget; an optional outlined box (image pixel coordinates)."""

    def __init__(self, parent: QWidget | None = None, *, minimum: int = 96) -> None:
        super().__init__(parent)
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.box: tuple[int, int, int, int] | None = None  # top, left, bottom, right (inclusive)
        self.placeholder = ""

    def sizeHint(self) -> QSize:
        return QSize(200, 200)

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        self.image = None if pixels is None else rgb_image(pixels)
        self.box = None
        self.update()

    def set_box(self, box: tuple[int, int, int, int] | None) -> None:
        self.box = box
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.update()

    def target_rect(self) -> QRectF:
        """Where the picture is drawn: centred, aspect ratio kept."""
        if self.image is None or self.image.isNull():
            return QRectF(self.rect())
        scale = min(self.width() / self.image.width(), self.height() / self.image.height())
        width, height = self.image.width() * scale, self.image.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self.image is None or self.image.isNull():
            painter.fillRect(self.rect(), self.palette().alternateBase())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(
                self.rect().adjusted(6, 6, -6, -6),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
            return
        target = self.target_rect()
        enlarged = target.width() >= 2 * self.image.width()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not enlarged)
        painter.drawImage(target, self.image)
        if self.box is not None:
            top, left, bottom, right = self.box
            scale = target.width() / self.image.width()
            outline = QRectF(
                target.left() + left * scale,
                target.top() + top * scale,
                (right - left + 1) * scale,
                (bottom - top + 1) * scale,
            )
            painter.setPen(QPen(QColor("#00c2ff"), 2))
            painter.drawRect(outline)


class PictureTile(QWidget):
    """A `PictureView` with a caption under it (what the picture is, wrapped, never cut)."""

    def __init__(self, caption: str = "", parent: QWidget | None = None, *, minimum: int = 96):
        super().__init__(parent)
        self.view = PictureView(self, minimum=minimum)
        self.view.set_placeholder(_("Nothing yet"))
        self.caption = QLabel(caption, wordWrap=True, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)

    def set_pixels(self, pixels: np.ndarray | None, caption: str | None = None) -> None:
        self.view.set_pixels(pixels)
        if caption is not None:
            self.caption.setText(caption)
