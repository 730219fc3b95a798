"""What the network sees: the feature maps of its first stages as small grids of images.

`FeatureMapsPanel.set_maps(list[FeatureMaps])` shows one `FeatureMapGrid` per layer (C1, S2, C3,
S4 for LeNet-5: 6, 6, 16 and 16 maps). Each map is drawn with nearest neighbour in a warm colour
scale (dark: no response, yellow: strong), from values the engine has already scaled to [0, 1].
Hovering a map names the layer and the channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QHelpEvent, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

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
    """All channels of one layer, in rows of up to MAX_COLUMNS."""

    def __init__(self, layer: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"padMaps_{layer}")
        self.layer, self.title = layer, title
        self.setAccessibleName(_("Feature maps of {title}").format(title=title))
        self.images: list[QImage] = []
        self.shape: tuple[int, int, int] = (0, 0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)

    def columns(self) -> int:
        return max(1, min(len(self.images), MAX_COLUMNS))

    def sizeHint(self) -> QSize:
        rows = max(1, -(-len(self.images) // self.columns()))
        return QSize(self.columns() * (CELL + GAP), rows * (CELL + GAP))

    def set_maps(self, maps: np.ndarray) -> None:
        """maps: H x W x C float32 in [0, 1]."""
        count_changed = maps.shape[-1] != len(self.images)
        self.shape = tuple(maps.shape)
        self.images = [map_image(maps[..., c]) for c in range(maps.shape[-1])]
        if count_changed:
            self.setFixedSize(self.sizeHint())
        self.update()

    def cell_rect(self, channel: int) -> QRect:
        row, column = divmod(channel, self.columns())
        return QRect(column * (CELL + GAP), row * (CELL + GAP), CELL, CELL)

    def channel_at(self, position: QPoint) -> int | None:
        for channel in range(len(self.images)):
            if self.cell_rect(channel).contains(position):
                return channel
        return None

    def tooltip_at(self, position: QPoint) -> str:
        channel = self.channel_at(position)
        if channel is None:
            return ""
        height, width = self.shape[:2]
        return (
            f"{self.title}: channel {channel + 1} of {len(self.images)} ({height} x {width}); "
            "bright where this filter responds"
        )

    def event(self, event: Any) -> bool:
        if isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for channel, image in enumerate(self.images):
            painter.drawImage(self.cell_rect(channel), image)


class FeatureMapsPanel(QWidget):
    """A titled grid per layer; the grids are rebuilt only when the layers change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padFeatureMaps")
        self.setAccessibleName(_("Feature maps: what the network sees"))
        self.grids: dict[str, FeatureMapGrid] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.placeholder = QLabel(
            _("The feature maps of the first layers appear here as you draw."), wordWrap=True
        )
        self.placeholder.setStyleSheet("color: palette(mid);")
        self._layout.addWidget(self.placeholder)
        self._layout.addStretch(1)

    def set_maps(self, feature_maps: list[Any]) -> None:
        layers = [fm.layer for fm in feature_maps]
        if layers != list(self.grids):
            self._rebuild(feature_maps)
        for fm in feature_maps:
            self.grids[fm.layer].set_maps(fm.maps)

    def clear(self) -> None:
        for grid in self.grids.values():
            grid.set_maps(np.zeros((*grid.shape[:2], len(grid.images)), np.float32))

    def _rebuild(self, feature_maps: list[Any]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget() is not None and item.widget() is not self.placeholder:
                item.widget().deleteLater()
        self.placeholder.setVisible(not feature_maps)
        self._layout.addWidget(self.placeholder)
        self.grids = {}
        for fm in feature_maps:
            height, width, channels = fm.maps.shape
            caption = QLabel(
                _("{title}: {channels} maps, {height} x {width}").format(
                    title=fm.title, channels=channels, height=height, width=width
                )
            )
            caption.setStyleSheet("font-weight: 600;")
            grid = FeatureMapGrid(fm.layer, fm.title, self)
            self.grids[fm.layer] = grid
            self._layout.addWidget(caption)
            self._layout.addWidget(grid, 0, Qt.AlignmentFlag.AlignLeft)
        self._layout.addStretch(1)
