"""A grid of sample images with their labels, painted from uint8 arrays (no matplotlib: the data
panel must be instant, and a 40-image grid is a few QImages)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.gui.widgets.images import to_qimage
from cnnstudio.i18n import _

CELL = 72  # smallest image side in pixels: MNIST's 28 px scaled x2.5+ stays crisp (nearest)
MAX_CELL = 96  # cells grow up to this to fill the width, instead of leaving a strip empty
LABEL_HEIGHT = 18
GAP = 8


class SampleGrid(QWidget):
    """Images in rows, each with its class name below; wraps to the available width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleGrid")
        self.setAccessibleName(_("Sample images"))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._images: list[QImage] = []
        self._labels: list[str] = []
        self._smooth = False

    def set_samples(self, images: np.ndarray, labels: Sequence[str]) -> None:
        self._images = [to_qimage(image) for image in images]
        self._labels = list(labels)
        # Tiny images (MNIST, CIFAR) look right with hard pixels; photos need smoothing.
        self._smooth = bool(len(images)) and max(images.shape[1:3]) > CELL
        self.setAccessibleDescription(_("{len} sample images").format(len=len(self._images)))
        self.updateGeometry()
        self.update()

    def clear(self) -> None:
        self.set_samples(np.zeros((0, 1, 1, 1), np.uint8), [])

    def count(self) -> int:
        return len(self._images)

    def labels(self) -> list[str]:
        return list(self._labels)

    def _columns(self, width: int) -> int:
        return max(1, (width + GAP) // (CELL + GAP))

    def _cell(self, width: int) -> int:
        """Cell side that makes the columns fill `width` exactly (within CELL..MAX_CELL)."""
        columns = self._columns(width)
        return max(CELL, min(MAX_CELL, (width - GAP * (columns - 1)) // columns))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows = -(-len(self._images) // self._columns(width)) if self._images else 1
        return rows * (self._cell(width) + LABEL_HEIGHT + GAP)

    def sizeHint(self) -> QSize:
        return QSize(8 * (CELL + GAP), self.heightForWidth(8 * (CELL + GAP)))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        if not self._images:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No samples to show")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
        columns, cell = self._columns(self.width()), self._cell(self.width())
        for index, (image, label) in enumerate(zip(self._images, self._labels, strict=True)):
            row, column = divmod(index, columns)
            x, y = column * (cell + GAP), row * (cell + LABEL_HEIGHT + GAP)
            if y > event.rect().bottom():
                break  # the rest is below the part being repainted
            scaled = image.size().scaled(cell, cell, Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(
                QRect(
                    x + (cell - scaled.width()) // 2,
                    y + (cell - scaled.height()) // 2,
                    scaled.width(),
                    scaled.height(),
                ),
                image,
            )
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            painter.drawRect(QRect(x, y, cell - 1, cell - 1))
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(
                QRect(x - GAP // 2, y + cell, cell + GAP, LABEL_HEIGHT),
                Qt.AlignmentFlag.AlignCenter,
                painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, cell + GAP),
            )
