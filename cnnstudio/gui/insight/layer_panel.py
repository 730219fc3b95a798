"""What each layer sees: the activations of any layer for the image, the filters of a
convolution, and, for the unit clicked in a map, its receptive field on the image.

The theoretical field is the box outlined on the input (every pixel the unit could see); the
effective field is the input-gradient of that unit, drawn over the image (the pixels that move
it, Luo et al. 2016). Clicking units of two 3x3 convolutions and of one 5x5 shows the same box:
the course's lesson, checked with the mouse.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.widgets.feature_maps import FeatureMapGrid
from cnnstudio.gui.widgets.picture import PictureTile, PictureView
from cnnstudio.i18n import _

MAP_CELL = 56  # a map large enough to click a unit of a 14 x 14 map
MAP_COLUMNS = 8
FILTER_COLUMNS = 8
FILTER_PIXEL = 12  # screen pixels per kernel pixel, at most
FILTER_WIDTH = 460  # the filter sheet's width, at most


class LayerPanel(QWidget):
    layerChosen = Signal(str)
    unitChosen = Signal(str, int, int)  # layer, row, column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPanel")
        self.image: np.ndarray | None = None
        self.layer = QComboBox(objectName="explainActivationLayer")
        self.layer.setAccessibleName(_("Layer to look into"))
        self.layer.setMinimumContentsLength(18)
        self.layer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.layer.currentIndexChanged.connect(self._layer_changed)
        self.info = QLabel(objectName="explainLayerInfo", wordWrap=True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Layer")))
        top.addWidget(self.layer)
        top.addWidget(self.info, 1)

        self.field_tile = PictureTile(_("Click a unit of a map to see its receptive field"))
        self.field_tile.setMinimumWidth(180)
        self.maps_title = QLabel(_("Activations"))
        self.maps_title.setStyleSheet("font-weight: 600;")
        self.grid = FeatureMapGrid(
            "", "", cell=MAP_CELL, max_columns=MAP_COLUMNS, name_prefix="explainMaps"
        )
        self.grid.unitClicked.connect(self._unit_clicked)
        self.filters_title = QLabel(_("Filters"))
        self.filters_title.setStyleSheet("font-weight: 600;")
        self.filters = PictureView(minimum=120)
        self.filters.setObjectName("explainFilters")
        maps_box = QWidget()
        maps_layout = QVBoxLayout(maps_box)
        maps_layout.setContentsMargins(0, 0, 0, 0)
        maps_layout.addWidget(self.maps_title)
        maps_layout.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignLeft)
        maps_layout.addWidget(self.filters_title)
        maps_layout.addWidget(self.filters, 0, Qt.AlignmentFlag.AlignLeft)
        maps_layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(maps_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="explainLayerSplitter")
        splitter.addWidget(self.field_tile)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._quiet = False

    def set_model(self, layers: tuple[str, ...]) -> None:
        self._quiet = True
        self.layer.clear()
        for name in layers:
            self.layer.addItem(name, name)
        self._quiet = False
        self.clear()

    def current_layer(self) -> str | None:
        return self.layer.currentData()

    def choose_layer(self, name: str) -> bool:
        index = self.layer.findData(name)
        if index >= 0:
            self.layer.setCurrentIndex(index)
        return index >= 0

    def clear(self) -> None:
        self.grid.set_maps(np.zeros((1, 1, 0), np.float32))
        self.filters.set_pixels(None)
        self.info.setText("")
        self.field_tile.view.set_box(None)

    def set_image(self, fitted: np.ndarray, label: str) -> None:
        from cnnstudio.engine.insight.overlay import as_uint8

        self.image = fitted
        self.field_tile.set_pixels(
            as_uint8(fitted), _("Click a unit of a map to see its receptive field")
        )

    def show_layer(self, layer: str, maps: np.ndarray, bank: Any) -> None:
        from cnnstudio.engine.insight.overlay import mosaic

        if layer != self.current_layer():
            return  # an answer for a layer no longer chosen
        height, width, channels = maps.shape
        self.grid.layer = self.grid.title = layer
        self.grid.set_maps(maps)
        self.maps_title.setText(
            _("Activations: {channels} maps of {height} x {width}").format(
                channels=channels, height=height, width=width
            )
        )
        self.info.setText(_("Click a map to pick one of its units."))
        self.filters.setVisible(bank is not None)
        self.filters_title.setVisible(bank is not None)
        if bank is not None:
            shown = len(bank.kernels)
            sheet = mosaic(bank.kernels, FILTER_COLUMNS)
            self.filters.set_pixels(sheet)
            # Each kernel pixel drawn as a few screen pixels: a 3x3 kernel must be seen.
            height, width = sheet.shape[:2]
            scale = max(1, min(FILTER_PIXEL, FILTER_WIDTH // width))
            self.filters.setFixedSize(width * scale, height * scale)
            kind = _("in colour") if bank.colour else _("averaged over input channels")
            self.filters_title.setText(
                _("Filters: {shown} of {total}, {height} x {width}, {kind}").format(
                    shown=shown,
                    total=bank.total,
                    height=bank.kernels.shape[1],
                    width=bank.kernels.shape[2],
                    kind=kind,
                )
            )

    def show_field(self, field: Any) -> None:
        from cnnstudio.engine.insight.overlay import heat_overlay

        if self.image is None or field.layer != self.current_layer():
            return
        box = field.box
        self.field_tile.set_pixels(
            heat_overlay(self.image, field.effective),
            _(
                "Unit ({row}, {column}) of {layer}: theoretical field {height} x {width} "
                "(outlined), effective field in colour"
            ).format(
                row=field.row,
                column=field.column,
                layer=field.layer,
                height=box.size[0],
                width=box.size[1],
            ),
        )
        self.field_tile.view.set_box((box.top, box.left, box.bottom, box.right))

    def _layer_changed(self) -> None:
        if not self._quiet and self.current_layer():
            self.layerChosen.emit(self.current_layer())

    def _unit_clicked(self, channel: int, row: int, column: int) -> None:
        layer = self.current_layer()
        if layer:
            self.unitChosen.emit(layer, row, column)
