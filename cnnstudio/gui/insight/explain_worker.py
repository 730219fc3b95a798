"""The Explain view's background work: one thread, the newest request of each kind wins.

Slots, served in this order: the model (a `ModelSource`: loaded with the engine's `Predictor`,
wrapped in an `Explainer` that keeps its traced methods), the image (a file, a sample of the
model's data set, or pixels handed over by another view), then what is asked of that image:
an explanation, one layer's activations and filters, one unit's receptive field. Everything the
thread makes goes out as signals; it never touches a widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.widgets.trained_models import BUNDLED, RUN, ModelSource, bundled_model
from cnnstudio.gui.workers import LatestRequestWorker
from cnnstudio.i18n import _

BUNDLED_DATASET = "mnist-5k"  # what the bundled LeNet-5 was trained on


@dataclass(frozen=True)
class LoadedModel:
    source: ModelSource
    description: str
    class_names: tuple[str, ...]
    layer_names: tuple[str, ...]
    default_layer: str
    stage_names: tuple[str, ...]
    input_shape: tuple[int, ...]
    dataset: str | None  # the data set its samples come from (None: a bare file)


@dataclass(frozen=True)
class ImageRequest:
    """file: a path; sample: an index into the model's validation split (wrapped around);
    pixels: a uint8 (H, W, C) array another view already holds (at the training images' size)."""

    kind: str
    value: Any
    label: str = ""


@dataclass(frozen=True)
class ShownImage:
    fitted: np.ndarray  # (H, W, C) float32 in [0, 1]: the model's input
    label: str  # what the image is, for the person
    true_class: int | None  # known for a data set sample


@dataclass(frozen=True)
class ExplainRequest:
    method: str
    layer: str | None
    target: int | None
    stages: bool
    sanity: bool


def _open_predictor(source: ModelSource) -> tuple[Any, str | None, Any]:
    """(predictor, the data set its samples come from, the run when the source is one)."""
    from cnnstudio.engine.use.inference import Predictor

    if source.kind == RUN:
        from cnnstudio.engine.store.runs import Run

        run = Run(Path(source.location))
        dataset = (run.record.get("config") or {}).get("dataset")
        return Predictor.from_run(run), str(dataset) if dataset else None, run
    if source.kind == BUNDLED:
        path = bundled_model()
        if path is None:
            raise ValueError(_("this installation has no bundled LeNet-5"))
        return Predictor.from_file(path), BUNDLED_DATASET, None
    return Predictor.from_file(source.location), None, None


class ExplainWorker(LatestRequestWorker):
    modelReady = Signal(object)  # LoadedModel
    modelRefused = Signal(object, str)  # ModelSource, reason
    imageReady = Signal(object)  # ShownImage
    imageRefused = Signal(str)
    explained = Signal(object)  # engine Explanation
    layerShown = Signal(str, object, object)  # layer, activations (h, w, C), FilterBank | None
    fieldShown = Signal(object)  # engine ReceptiveField
    requestFailed = Signal(str)  # a request the model cannot answer (the reason)

    slots = ("model", "image", "explain", "layer", "field")
    stop_timeout_ms = 60_000  # loading a model and tracing its gradients cannot be interrupted

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("explainWorker", parent)
        self.predictor: Any = None
        self.explainer: Any = None
        self._dataset_name: str | None = None
        self._samples: Any = None  # the validation split, loaded on the first sample asked
        self._run: Any = None  # the run whose model is explained (None: a file)
        self.image: ShownImage | None = None

    # -- the worker thread ----------------------------------------------------------------------

    def handle(self, slot: str, request: object) -> None:
        if slot == "model":
            self._load(request)  # type: ignore[arg-type]
            return
        if self.explainer is None:
            return  # no model yet: the view asks again once one is ready
        try:
            if slot == "image":
                self._take_image(request)  # type: ignore[arg-type]
            elif self.image is None:
                return
            elif slot == "explain":
                self.explained.emit(self._explain(request))  # type: ignore[arg-type]
            elif slot == "layer":
                self._layer(str(request))
            elif slot == "field":
                layer, row, column = request  # type: ignore[misc]
                field = self.explainer.receptive_field(self.image.fitted, layer, row, column)
                self.fieldShown.emit(field)
        except ValueError as error:  # InsightError, an unusable image: the reason, for the person
            self.requestFailed.emit(str(error))

    def _load(self, source: ModelSource) -> None:
        from cnnstudio.engine.insight.explainer import Explainer

        try:
            predictor, dataset, run = _open_predictor(source)
            explainer = Explainer(predictor.model)
        except Exception as error:  # a damaged file, no spatial layer, a foreign model: say why
            self.modelRefused.emit(source, str(error) or type(error).__name__)
            return
        self.predictor, self.explainer = predictor, explainer
        self._dataset_name, self._samples, self.image = dataset, None, None
        self._run = run
        self.modelReady.emit(
            LoadedModel(
                source,
                predictor.description,
                tuple(predictor.class_names),
                tuple(explainer.layer_names),
                explainer.default_layer,
                tuple(explainer.stage_names),
                tuple(predictor.input_shape),
                dataset,
            )
        )

    def _take_image(self, request: ImageRequest) -> None:
        true_class = None
        if request.kind == "file":
            try:
                fitted = self.predictor.load_image(request.value)
            except (OSError, ValueError) as error:
                self.imageRefused.emit(
                    _("{path}: {reason}").format(path=request.value, reason=error)
                )
                return
            label = request.label or Path(request.value).name
        elif request.kind == "sample":
            pixels, true_class, label = self._sample(int(request.value))
            fitted = self.predictor.fit_pixels(pixels[np.newaxis])[0]
        else:
            fitted = self.predictor.fit_pixels(np.asarray(request.value)[np.newaxis])[0]
            label = request.label
        self.image = ShownImage(np.asarray(fitted, np.float32), label, true_class)
        self.imageReady.emit(self.image)

    def _sample(self, index: int) -> tuple[np.ndarray, int, str]:
        if self._dataset_name is None:
            raise ValueError(_("this model names no data set to take samples from"))
        if self._samples is None:
            if self._run is not None:
                # The very split the run validated on (its fraction and seed, for a folder too).
                from cnnstudio.engine.insight.run_evaluation import evaluation_split

                self._samples = evaluation_split(self._run, None)
            else:
                from cnnstudio.engine.data.datasets import load_dataset

                self._samples = load_dataset(self._dataset_name).validation
        split = self._samples
        index %= len(split.labels)
        label = _("validation image {index} of {count}").format(
            index=index + 1, count=len(split.labels)
        )
        paths = getattr(split, "paths", None)
        if paths:
            label = _("{label}: {name}").format(label=label, name=Path(paths[index]).name)
        return split.images[index], int(split.labels[index]), label

    def _explain(self, request: ExplainRequest) -> Any:
        return self.explainer.explain(
            self.image.fitted,  # type: ignore[union-attr]
            request.method,
            layer=request.layer,
            target=request.target,
            stages=request.stages,
            sanity=request.sanity,
        )

    def _layer(self, layer: str) -> None:
        from cnnstudio.engine.insight.explainer import InsightError

        maps = self.explainer.activations(self.image.fitted, layer)  # type: ignore[union-attr]
        try:
            bank = self.explainer.filters(layer)
        except InsightError:
            bank = None  # a pooling or activation layer has no kernel to draw
        self.layerShown.emit(layer, maps, bank)
