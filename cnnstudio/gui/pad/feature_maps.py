"""What the network sees on the pad: the feature maps of its first stages, one grid per layer.

`FeatureMapsPanel.set_maps(list[FeatureMaps])` shows one `FeatureMapGrid` (gui/widgets) per layer
(C1, S2, C3, S4 for LeNet-5: 6, 6, 16 and 16 maps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cnnstudio.gui.widgets.feature_maps import FeatureMapGrid
from cnnstudio.i18n import _


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

    def resizeEvent(self, event: Any) -> None:
        """As many maps a row as the panel's width holds (eight at 1280 px, fewer at 1024):
        the grids wrap instead of widening the window."""
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        from cnnstudio.gui.widgets.feature_maps import CELL, GAP, MAX_COLUMNS

        columns = max(3, min(MAX_COLUMNS, self.width() // (CELL + GAP)))
        for grid in self.grids.values():
            grid.set_layout(CELL, columns)

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
                ),
                wordWrap=True,  # a narrow panel (and Chinese) wraps the caption, never cuts it
            )
            caption.setStyleSheet("font-weight: 600;")
            grid = FeatureMapGrid(fm.layer, fm.title, self)
            self.grids[fm.layer] = grid
            self._layout.addWidget(caption)
            self._layout.addWidget(grid, 0, Qt.AlignmentFlag.AlignLeft)
        self._layout.addStretch(1)
        self._fit_columns()
