"""Feature maps as a grid of small images: what one layer of a network sees.

`FeatureMapGrid.set_maps(maps)` draws every channel of an H x W x C array (values the engine has
already scaled to [0, 1]) with nearest neighbour in a warm colour scale (dark: no response,
yellow: strong). Hovering a map names the layer, the channel and the unit; clicking one emits
`unitClicked(channel, row, column)` (the receptive-field overlay of the Explain view). The pad
shows LeNet-5's first layers with it, the Explain view any layer of any model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Signal
from PySide6.QtGui import QColor, QHelpEvent, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.gui.widgets.tooltips import show_spot_tooltip
from cnnstudio.i18n import _

CELL = 36  # pixels per map: eight in a row fit beside the pad at 1280 pixels
GAP = 3
MAX_COLUMNS = 8
# Anchors of a magma-like scale: black, purple, red-orange, pale yellow.
_ANCHORS = np.array([[0, 0, 4], [80, 18, 123], [229, 80, 57], [252, 253, 191]], np.float64)


def _colour_table() -> np.ndarray:
    """256 RGB32 pixels (0xffRRGGBB) along the scale."""
    steps = np.linspace(0, len(_ANCHORS) - 1, 256)
    low = np.floor(steps).astype(int).clip(0, len(_ANCHORS) - 2)
    share = (steps - low)[:, None]
    rgb = np.rint(_ANCHORS[low] * (1 - share) + _ANCHORS[low + 1] * share).astype(np.uint32)
    return (0xFF000000 | rgb[:, 0] << 16 | rgb[:, 1] << 8 | rgb[:, 2]).astype(np.uint32)


COLOUR_TABLE = _colour_table()


def map_image(plane: np.ndarray) -> QImage:
    """One H x W map in [0, 1] as an RGB32 QImage in the colour scale (owning its bytes); a
    NumPy lookup, several times cheaper than an indexed image with its colour table."""
    levels = np.clip(plane * 255.0 + 0.5, 0, 255).astype(np.uint8)
    pixels = np.ascontiguousarray(COLOUR_TABLE[levels])
    height, width = pixels.shape
    return QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_RGB32).copy()


class FeatureMapGrid(QWidget):
    """All channels of one layer, in rows of up to `max_columns` cells of `cell` pixels;
    `unitClicked(channel, row, column)` when a map is clicked (the unit under the mouse)."""

    unitClicked = Signal(int, int, int)

    def __init__(
        self,
        layer: str,
        title: str,
        parent: QWidget | None = None,
        *,
        cell: int = CELL,
        max_columns: int = MAX_COLUMNS,
        name_prefix: str = "padMaps_",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name_prefix}{layer}")
        self.layer, self.title = layer, title
        self.cell, self.max_columns = cell, max_columns
        self.setAccessibleName(_("Feature maps of {title}").format(title=title))
        self.images: list[QImage] = []
        self.shape: tuple[int, int, int] = (0, 0, 0)
        self.selected: tuple[int, int, int] | None = None  # the unit clicked last
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def columns(self) -> int:
        return max(1, min(len(self.images), self.max_columns))

    def sizeHint(self) -> QSize:
        rows = max(1, -(-len(self.images) // self.columns()))
        return QSize(self.columns() * (self.cell + GAP), rows * (self.cell + GAP))

    def set_maps(self, maps: np.ndarray) -> None:
        """maps: H x W x C float32 in [0, 1]."""
        count_changed = maps.shape[-1] != len(self.images)
        if tuple(maps.shape) != self.shape:
            self.selected = None
        self.shape = tuple(maps.shape)
        self.images = [map_image(maps[..., c]) for c in range(maps.shape[-1])]
        if count_changed:
            self.setFixedSize(self.sizeHint())
        self.update()

    def set_layout(self, cell: int, max_columns: int) -> None:
        """Cells of another size, or another number per row (the view's width changed)."""
        if (cell, max_columns) != (self.cell, self.max_columns):
            self.cell, self.max_columns = cell, max_columns
            self.setFixedSize(self.sizeHint())
            self.update()

    def cell_rect(self, channel: int) -> QRect:
        row, column = divmod(channel, self.columns())
        return QRect(column * (self.cell + GAP), row * (self.cell + GAP), self.cell, self.cell)

    def channel_at(self, position: QPoint) -> int | None:
        for channel in range(len(self.images)):
            if self.cell_rect(channel).contains(position):
                return channel
        return None

    def unit_at(self, position: QPoint) -> tuple[int, int, int] | None:
        """(channel, row, column) of the map's unit under `position`, or None."""
        channel = self.channel_at(position)
        if channel is None:
            return None
        rect = self.cell_rect(channel)
        height, width = self.shape[:2]
        row = min(height - 1, (position.y() - rect.top()) * height // rect.height())
        column = min(width - 1, (position.x() - rect.left()) * width // rect.width())
        return channel, row, column

    def tooltip_at(self, position: QPoint) -> str:
        unit = self.unit_at(position)
        if unit is None:
            return ""
        channel, row, column = unit
        height, width = self.shape[:2]
        return _(
            "{title}: channel {channel} of {channels} ({height} x {width}), unit ({row}, "
            "{column}); bright where this filter responds"
        ).format(
            title=self.title,
            channel=channel + 1,
            channels=len(self.images),
            height=height,
            width=width,
            row=row,
            column=column,
        )

    def event(self, event: Any) -> bool:
        if isinstance(event, QHelpEvent):
            return show_spot_tooltip(self, event, self.tooltip_at(event.pos()))
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        unit = self.unit_at(event.position().toPoint())
        if unit is not None:
            self.selected = unit
            self.update()
            self.unitClicked.emit(*unit)
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for channel, image in enumerate(self.images):
            painter.drawImage(self.cell_rect(channel), image)
        if self.selected is not None and self.selected[0] < len(self.images):
            channel, row, column = self.selected
            rect = self.cell_rect(channel)
            height, width = self.shape[:2]
            unit = QRect(
                rect.left() + column * rect.width() // width,
                rect.top() + row * rect.height() // height,
                max(2, rect.width() // width),
                max(2, rect.height() // height),
            )
            painter.setPen(QPen(QColor("#00c2ff"), 2))
            painter.drawRect(rect.adjusted(-1, -1, 0, 0))
            painter.fillRect(unit, QColor("#00c2ff"))
