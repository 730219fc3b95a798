"""Where the model looks: the method's map over the image, the sanity check beside it, and one
Grad-CAM per stage under them (attention sharpening with depth).

The panel holds the controls of an explanation (method, target layer, class, the two options)
and shows an engine `Explanation`; `requested` says the controls changed, and the view sends the
worker an `ExplainRequest` built by `request()`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.insight.explain_worker import ExplainRequest
from cnnstudio.gui.widgets.picture import PictureTile
from cnnstudio.i18n import N_, _

# The engine's method names with their labels and what each shows, in the order offered.
METHODS = (
    ("gradcam", N_("Grad-CAM"), N_("the class's gradient weighting the layer's channels")),
    ("gradcam++", N_("Grad-CAM++"), N_("Grad-CAM with weights for several instances of a class")),
    ("saliency", N_("Saliency"), N_("how strongly each input pixel moves the class score")),
    ("smoothgrad", N_("SmoothGrad"), N_("saliency averaged over noisy copies: less speckle")),
    ("occlusion", N_("Occlusion"), N_("how much the class's probability drops under a grey patch")),
)
CAM_METHODS = ("gradcam", "gradcam++")
STAGE_TILE = 100  # pixels: four to six stages fit beside each other at 1024 px
# Below this rank correlation the map changed with the weights: it explains the model.
SANITY_PASS = 0.5


def percent(probability: float) -> str:
    return _("{value:.1f} %").format(value=100 * probability)


class AttentionPanel(QWidget):
    requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionPanel")
        self.class_names: tuple[str, ...] = ()
        self.image: np.ndarray | None = None

        self.method = QComboBox(objectName="explainMethod")
        self.method.setAccessibleName(_("Method"))
        for key, label, tip in METHODS:
            self.method.addItem(_(label), key)
            self.method.setItemData(self.method.count() - 1, _(tip), Qt.ItemDataRole.ToolTipRole)
        self.layer = QComboBox(objectName="explainLayer")
        self.layer.setAccessibleName(_("Target layer"))
        self.layer.setMinimumContentsLength(14)
        self.layer.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.target = QComboBox(objectName="explainClass")
        self.target.setAccessibleName(_("Class to explain"))
        self.target.setMinimumContentsLength(12)
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.stages = QCheckBox(_("One map per stage"), objectName="explainStages", checked=True)
        self.stages.setToolTip(
            _("Grad-CAM after each stage of the network, from fine to coarse resolution")
        )
        self.sanity = QCheckBox(_("Sanity check"), objectName="explainSanity", checked=True)
        self.sanity.setToolTip(
            _(
                "The same map with the classifier's weights randomised (Adebayo et al. 2018): "
                "a map that does not change explains the image, not the model"
            )
        )
        controls = QGridLayout()
        controls.addWidget(QLabel(_("Method")), 0, 0)
        controls.addWidget(self.method, 0, 1)
        controls.addWidget(QLabel(_("Layer")), 0, 2)
        controls.addWidget(self.layer, 0, 3)
        controls.addWidget(QLabel(_("Class")), 1, 0)
        controls.addWidget(self.target, 1, 1)
        options = QHBoxLayout()
        options.addWidget(self.stages)
        options.addWidget(self.sanity)
        options.addStretch(1)
        controls.addLayout(options, 1, 2, 1, 2)
        controls.setColumnStretch(1, 1)
        controls.setColumnStretch(3, 1)

        self.input_tile = PictureTile(_("The image, as the model receives it"))
        self.map_tile = PictureTile(_("Where it looks"))
        self.random_tile = PictureTile(_("With the classifier randomised"))
        pictures = QHBoxLayout()
        for tile in (self.input_tile, self.map_tile, self.random_tile):
            pictures.addWidget(tile, 1)
        self.verdict = QLabel(objectName="explainVerdict", wordWrap=True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.stage_title = QLabel(_("Stage by stage: attention sharpens with depth"))
        self.stage_title.setStyleSheet("font-weight: 600;")
        self.stage_row = QHBoxLayout()
        self.stage_row.setContentsMargins(0, 0, 0, 0)
        strip = QWidget(objectName="explainStageStrip")
        strip.setLayout(self.stage_row)
        self.stage_scroll = QScrollArea(widgetResizable=True)
        self.stage_scroll.setWidget(strip)
        self.stage_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.stage_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A tile and its caption of two lines, and room for the sideways scroll bar.
        caption = 2 * self.fontMetrics().lineSpacing()
        self.stage_scroll.setFixedHeight(STAGE_TILE + caption + 24)
        self.stage_tiles: list[PictureTile] = []

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(pictures, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(self.stage_title)
        layout.addWidget(self.stage_scroll)

        for combo in (self.method, self.layer, self.target):
            combo.currentIndexChanged.connect(self._changed)
        self.method.currentIndexChanged.connect(self._method_changed)
        for box in (self.stages, self.sanity):
            box.toggled.connect(self._changed)
        self._quiet = False

    # -- the model and the request --------------------------------------------------------------

    def set_model(self, layers: tuple[str, ...], default: str, classes: tuple[str, ...]) -> None:
        """Fill the layer and class choices for a newly loaded model (no request sent)."""
        self._quiet = True
        self.class_names = classes
        self.layer.clear()
        self.layer.addItem(_("Automatic ({layer})").format(layer=default), None)
        for name in layers:
            self.layer.addItem(name, name)
        self.target.clear()
        self.target.addItem(_("The predicted class"), None)
        for index, name in enumerate(classes):
            self.target.addItem(name, index)
        self._quiet = False
        self._method_changed()
        self.clear()

    def request(self) -> ExplainRequest:
        method = self.method.currentData()
        cam = method in CAM_METHODS
        return ExplainRequest(
            method=method,
            layer=self.layer.currentData() if cam else None,
            target=self.target.currentData(),
            stages=self.stages.isChecked(),
            sanity=self.sanity.isChecked(),
        )

    def _method_changed(self) -> None:
        # The layer applies to the CAM family only: the others look at the input pixels.
        self.layer.setEnabled(self.method.currentData() in CAM_METHODS)

    def _changed(self) -> None:
        if not self._quiet:
            self.requested.emit()

    # -- what is shown --------------------------------------------------------------------------

    def clear(self) -> None:
        for tile in (self.map_tile, self.random_tile):
            tile.set_pixels(None)
        self.verdict.setText("")
        self._set_stages([])

    def set_image(self, fitted: np.ndarray, label: str) -> None:
        from cnnstudio.engine.insight.overlay import as_uint8

        self.image = fitted
        self.input_tile.set_pixels(as_uint8(fitted), label)

    def show_explanation(self, explanation: Any) -> None:
        from cnnstudio.engine.insight.overlay import heat_overlay

        if self.image is None:
            return
        target = explanation.target
        name = self._class_name(target)
        probability = float(explanation.probabilities[target])
        predicted = int(np.argmax(explanation.probabilities))
        method_label = self.method.currentText()
        where = explanation.layer or _("the input pixels")
        self.map_tile.set_pixels(
            heat_overlay(self.image, explanation.heat),
            _("{method} for {name} ({probability}), at {where}").format(
                method=method_label, name=name, probability=percent(probability), where=where
            ),
        )
        lines = [
            _("Predicted: {name} ({probability}).").format(
                name=self._class_name(predicted),
                probability=percent(float(explanation.probabilities[predicted])),
            )
        ]
        if explanation.randomized is not None:
            rho = float(explanation.rank_correlation)
            self.random_tile.set_pixels(
                heat_overlay(self.image, explanation.randomized),
                _("Classifier randomised: rank correlation {rho:.2f}").format(rho=rho),
            )
            if rho < SANITY_PASS:
                lines.append(
                    _(
                        "Sanity check passed: with random classifier weights the map changes "
                        "(rank correlation {rho:.2f}), so it shows what the trained model uses."
                    ).format(rho=rho)
                )
            else:
                lines.append(
                    _(
                        "Sanity check failed: the map barely changes with random classifier "
                        "weights (rank correlation {rho:.2f}); it shows the image more than the "
                        "model."
                    ).format(rho=rho)
                )
        else:
            self.random_tile.set_pixels(None, _("With the classifier randomised"))
        self.verdict.setText(" ".join(lines))
        stages = [
            (heat_overlay(self.image, heat), layer) for layer, heat in explanation.stages or []
        ]
        self._set_stages(stages)

    def _class_name(self, index: int) -> str:
        return self.class_names[index] if 0 <= index < len(self.class_names) else str(index)

    def _set_stages(self, stages: list[tuple[np.ndarray, str]]) -> None:
        while len(self.stage_tiles) < len(stages):
            tile = PictureTile(minimum=STAGE_TILE)
            tile.view.setFixedSize(STAGE_TILE, STAGE_TILE)
            tile.setFixedWidth(STAGE_TILE + 24)
            self.stage_tiles.append(tile)
            self.stage_row.addWidget(tile)
        for index, tile in enumerate(self.stage_tiles):
            shown = index < len(stages)
            tile.setVisible(shown)
            if shown:
                pixels, layer = stages[index]
                tile.set_pixels(pixels, layer)
                tile.setToolTip(_("Grad-CAM at {layer}").format(layer=layer))
        visible = bool(stages)
        self.stage_title.setVisible(visible)
        self.stage_scroll.setVisible(visible)
