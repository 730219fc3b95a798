"""The "Explain" view: where a trained network looks, and what each of its layers sees.

It composes the shared trained-model chooser, the image row (a file, a sample of the model's
data set, or an image another view hands over with `explain_pixels`), and two tabs: where it
looks (`AttentionPanel`: Grad-CAM and the other methods, per stage, with the sanity check) and
what each layer sees (`LayerPanel`: activations, filters, receptive fields). One
`ExplainWorker` does the work; it starts once the engine is up and the view has been shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.insight.attention_panel import AttentionPanel
from cnnstudio.gui.insight.explain_worker import (
    ExplainWorker,
    ImageRequest,
    LoadedModel,
    ShownImage,
)
from cnnstudio.gui.insight.layer_panel import LayerPanel
from cnnstudio.gui.widgets.trained_models import WITH_MODEL, ModelSource, TrainedModelChooser
from cnnstudio.i18n import _

ERROR_STYLE = "background:#fdecea; color:#611a15; border:1px solid #f5c2c0; padding:4px;"


class ExplainView(QWidget):
    # For tests and scripts: the newest answer of each kind was shown.
    explanationShown = Signal(object)
    layerShown = Signal(str)
    fieldShown = Signal(object)
    modelShown = Signal(object)

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("explainView")
        self.setAccessibleName(_("Explain view"))
        self.context = context
        self.worker: ExplainWorker | None = None
        self.model: LoadedModel | None = None
        self.image: ShownImage | None = None
        self._sample_index = 0
        self._wanted: ModelSource | None = None  # the model asked for last
        # Work handed over by another view, for a model still loading: (its source, the work).
        self._pending_image: tuple[ModelSource, ImageRequest] | None = None
        self._pending_layer: tuple[ModelSource, str] | None = None

        self.chooser = TrainedModelChooser(
            context.run_store, self, usable=WITH_MODEL, name="explainModelChooser"
        )
        self.chooser.sourceChosen.connect(self._load_model)
        self.open_button = QPushButton(_("Open image…"), objectName="explainOpenImage")
        self.open_button.clicked.connect(self._ask_image)
        self.previous_button = QPushButton(_("Previous sample"), objectName="explainPrevious")
        self.previous_button.clicked.connect(lambda: self.show_sample(self._sample_index - 1))
        self.next_button = QPushButton(_("Next sample"), objectName="explainNext")
        self.next_button.clicked.connect(lambda: self.show_sample(self._sample_index + 1))
        self.image_label = QLabel(objectName="explainImageLabel", wordWrap=True)
        image_row = QHBoxLayout()
        image_row.addWidget(QLabel(_("Image")))
        image_row.addWidget(self.open_button)
        image_row.addWidget(self.previous_button)
        image_row.addWidget(self.next_button)
        image_row.addWidget(self.image_label, 1)
        self.message = QLabel(objectName="explainMessage", wordWrap=True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()

        self.attention = AttentionPanel(self)
        self.attention.requested.connect(self._request_explanation)
        self.layers = LayerPanel(self)
        self.layers.layerChosen.connect(self._request_layer)
        self.layers.unitChosen.connect(self._request_field)
        self.tabs = QTabWidget(objectName="explainTabs")
        self.tabs.addTab(self.attention, _("Where it looks"))
        self.tabs.addTab(self.layers, _("What each layer sees"))
        self.tabs.currentChanged.connect(lambda _index: self._request_current())

        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser)
        layout.addLayout(image_row)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        self._set_enabled(False)
        context.engineReady.connect(self._start)
        context.runsChanged.connect(self.chooser.refresh)

    # -- public: other views hand over work -----------------------------------------------------

    def explain_pixels(self, source: ModelSource, pixels: np.ndarray, label: str) -> None:
        """Explain `pixels` (uint8, at the training images' size) with the model of `source`."""
        self.explain_image(source, ImageRequest("pixels", np.asarray(pixels), label))

    def explain_image(self, source: ModelSource, request: ImageRequest) -> None:
        """Explain an image another view holds (pixels or a file) with the model of `source`."""
        self.tabs.setCurrentWidget(self.attention)
        if self.model is not None and self.model.source == source:
            self._send_image(request)
        else:
            self._pending_image = (source, request)
            self.chooser.choose(source)

    def look_into(self, source: ModelSource, layer: str) -> None:
        """Open the layer tab on `layer` of the model of `source` (the layer graph asks this)."""
        self._pending_layer = (source, layer)
        self.tabs.setCurrentWidget(self.layers)
        if self.model is not None and self.model.source == source:
            self._apply_pending_layer()
        else:
            self.chooser.choose(source)

    def show_sample(self, index: int) -> None:
        self._sample_index = index
        self._send_image(ImageRequest("sample", index))

    def open_image(self, path: str) -> None:
        self._send_image(ImageRequest("file", path))

    # -- the worker -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._start()

    def _start(self) -> None:
        if self.worker is not None or not self.context.engine_ready or not self.isVisible():
            return
        self.worker = ExplainWorker(self)
        self.worker.modelReady.connect(self._on_model_ready)
        self.worker.modelRefused.connect(self._on_model_refused)
        self.worker.imageReady.connect(self._on_image)
        self.worker.imageRefused.connect(self.show_error)
        self.worker.explained.connect(self._on_explained)
        self.worker.layerShown.connect(self._on_layer)
        self.worker.fieldShown.connect(self._on_field)
        self.worker.requestFailed.connect(self.show_error)
        self.worker.failed.connect(self.show_error)
        self.worker.start()
        self._load_model(self._wanted or self.chooser.current)

    def _load_model(self, source: ModelSource) -> None:
        # Kept for a worker not started yet (the view not shown): it loads this one first.
        self._wanted = source
        self.chooser.description.setText(_("Loading the model…"))
        if self.worker is not None:
            self.worker.offer(source, "model")

    def _on_model_ready(self, model: LoadedModel) -> None:
        self.model = model
        height, width = model.input_shape[:2]
        self.chooser.set_current(
            model.source,
            _("{description} · input {height} x {width} · {count} classes").format(
                description=model.description,
                height=height,
                width=width,
                count=len(model.class_names),
            ),
        )
        self.attention.set_model(model.layer_names, model.default_layer, model.class_names)
        self.layers.set_model(model.layer_names)
        self.image = None
        self._set_enabled(True)
        self.show_error("")
        self.modelShown.emit(model)
        pending = self._pending_image
        if pending is not None and pending[0] == model.source:
            self._pending_image = None
            self._send_image(pending[1])
        elif model.dataset is not None:
            self.show_sample(self._sample_index)
        else:
            self.image_label.setText(_("Open an image to explain."))
        self._apply_pending_layer()

    def _on_model_refused(self, source: ModelSource, reason: str) -> None:
        self.show_error(self.chooser.refuse(source, reason))

    def _apply_pending_layer(self) -> None:
        pending = self._pending_layer
        if pending is None or self.model is None or pending[0] != self.model.source:
            return
        self._pending_layer = None
        if not self.layers.choose_layer(pending[1]):
            self.show_error(
                _("{layer} has no spatial output to look into in this model").format(
                    layer=pending[1]
                )
            )

    def _send_image(self, request: ImageRequest) -> None:
        if self.worker is not None and self.model is not None:
            self.worker.offer(request, "image")

    def _on_image(self, image: ShownImage) -> None:
        self.image = image
        label = image.label
        if image.true_class is not None and self.model is not None:
            label = _("{label}, labelled {name}").format(
                label=label, name=self.model.class_names[image.true_class]
            )
        self.image_label.setText(label)
        self.attention.set_image(image.fitted, label)
        self.layers.set_image(image.fitted, label)
        self.show_error("")
        self._request_current()

    def _request_current(self) -> None:
        if self.tabs.currentWidget() is self.layers:
            layer = self.layers.current_layer()
            if layer:
                self._request_layer(layer)
        else:
            self._request_explanation()

    def _request_explanation(self) -> None:
        if self.worker is not None and self.image is not None:
            self.worker.offer(self.attention.request(), "explain")

    def _request_layer(self, layer: str) -> None:
        if self.worker is not None and self.image is not None:
            self.worker.offer(layer, "layer")

    def _request_field(self, layer: str, row: int, column: int) -> None:
        if self.worker is not None and self.image is not None:
            self.worker.offer((layer, row, column), "field")

    def _on_explained(self, explanation: Any) -> None:
        self.attention.show_explanation(explanation)
        self.explanationShown.emit(explanation)

    def _on_layer(self, layer: str, maps: np.ndarray, bank: Any) -> None:
        self.layers.show_layer(layer, maps, bank)
        self.layerShown.emit(layer)

    def _on_field(self, field: Any) -> None:
        self.layers.show_field(field)
        self.fieldShown.emit(field)

    # -- the rest -------------------------------------------------------------------------------

    def is_ready(self) -> bool:
        """For `--screenshot`: a model answered (or was refused) and the first image is shown."""
        if self.message.text():
            return True
        return self.model is not None and self.attention.map_tile.view.image is not None

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.stop_and_wait()

    def show_error(self, text: str) -> None:
        """One message at a time; an empty text hides it (its cause has gone)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _set_enabled(self, enabled: bool) -> None:
        samples = enabled and self.model is not None and self.model.dataset is not None
        self.open_button.setEnabled(enabled)
        self.previous_button.setEnabled(samples)
        self.next_button.setEnabled(samples)
        self.tabs.setEnabled(enabled)

    def _ask_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Open an image to explain"),
            "",
            _("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)"),
        )
        if path:
            self.open_image(path)
