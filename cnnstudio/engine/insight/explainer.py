"""One trained model, explained on demand: the service behind the app's Explain view and the pad.

An `Explainer` holds a model and the method objects it has built (each traces its functions once,
so a second image, or the next stroke on the pad, reuses the graph), and answers:

* `explain(image, ...)`: the class probabilities, the map of a method for a class (by default
  the predicted one), optionally one Grad-CAM per stage (the last layer of each resolution, see
  `targets.stage_layers`) and the sanity check's map with the classifier randomised;
* `activations(image, layer)`: every channel of one layer's output, each scaled to [0, 1];
* `filters(layer)`: a convolution's kernels as small images (the first layer's in colour when
  the input is RGB);
* `receptive_field(image, layer, row, column)`: the unit's theoretical box and effective field.

Images are fitted model inputs, (H, W, C) float32 in [0, 1] (`Predictor.load_image`, the pad's
prepared canvas). Errors are `InsightError`s with a stable code and the values of the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from cnnstudio.engine.errors import CodedError
from cnnstudio.engine.insight import targets
from cnnstudio.engine.insight.explain import METHODS, BaseCAM, GradCAM, make_method
from cnnstudio.engine.insight.receptive import EffectiveField, FieldBox, theoretical_box
from cnnstudio.engine.insight.sanity import randomized_head, rank_correlation
from cnnstudio.i18n import _

# Kernels beyond this many are not drawn: 64 already fill a grid; ResNet's 2,048 would not.
MAX_FILTERS = 64


class InsightError(CodedError):
    """A request the model cannot answer (code: stable, values: what the message names)."""


@dataclass
class Explanation:
    method: str
    layer: str | None  # the CAM's target layer; None for the model-agnostic methods
    target: int  # the class explained
    probabilities: np.ndarray  # (classes,)
    heat: np.ndarray  # (H, W) float32 in [0, 1]
    stages: list[tuple[str, np.ndarray]] = field(default_factory=list)  # (layer, (H, W) map)
    randomized: np.ndarray | None = None  # the same map with the classifier randomised
    rank_correlation: float | None = None  # Spearman's rho between heat and randomized


@dataclass
class FilterBank:
    layer: str
    kernels: np.ndarray  # (n, kh, kw, 1 or 3) float32 in [0, 1]
    total: int  # kernels in the layer (more than shown when over MAX_FILTERS)
    colour: bool  # True: RGB kernels of the first layer of an RGB model


@dataclass
class ReceptiveField:
    layer: str
    row: int
    column: int
    box: FieldBox
    effective: np.ndarray  # (H, W) float32 in [0, 1]: the input-gradient magnitude, scaled


class Explainer:
    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self._methods: dict[tuple[str, str | None, bool], Any] = {}
        self._randomized: dict[str | None, keras.Model] = {}
        self._feature_models: dict[str, keras.Model] = {}
        self._fields: dict[str, EffectiveField] = {}
        self._stage_cam: GradCAM | None = None
        self.layer_names = [layer.name for layer in targets.spatial_layers(model)]
        if not self.layer_names:
            raise InsightError(
                "no_spatial_layer",
                _(
                    "{name} has no layer with a spatial (height x width x channels) output: "
                    "there is nothing to look into"
                ).format(name=model.name),
                name=model.name,
            )
        self.default_layer = targets.default_target_layer(model)
        self.stage_names = targets.stage_layers(model)
        self.class_count = int(model.output_shape[-1])

    # -- where it looks -------------------------------------------------------------------------

    def method(self, name: str, layer: str | None = None, *, randomized: bool = False):
        """The method object for `name` (and `layer`, for the CAM family), built once; with
        `randomized`, over the model whose classifier head is randomised (the sanity check)."""
        cam = name in METHODS and issubclass(METHODS[name], BaseCAM)
        layer = (layer or self.default_layer) if cam else None
        key = (name, layer, randomized)
        if key not in self._methods:
            model = self._randomized_model(layer) if randomized else self.model
            try:
                self._methods[key] = make_method(name, model, layer)
            except ValueError as error:
                raise InsightError("bad_request", str(error)) from None
        return self._methods[key]

    def probabilities(self, image: np.ndarray) -> np.ndarray:
        outputs = np.asarray(self.model(_batch(image), training=False), np.float64)[0]
        if np.any(outputs < 0) or not np.isclose(outputs.sum(), 1.0, atol=1e-3):
            shifted = np.exp(outputs - outputs.max())
            outputs = shifted / shifted.sum()
        return outputs

    def explain(
        self,
        image: np.ndarray,
        method: str = "gradcam",
        *,
        layer: str | None = None,
        target: int | None = None,
        stages: bool = False,
        sanity: bool = False,
    ) -> Explanation:
        batch = _batch(image)
        probabilities = self.probabilities(image)
        if target is None:
            target = int(np.argmax(probabilities))
        elif not 0 <= target < self.class_count:
            raise InsightError(
                "class_out_of_range",
                _("class must lie in 0..{last}; received {value}").format(
                    last=self.class_count - 1, value=target
                ),
                last=self.class_count - 1,
                value=target,
            )
        explainer = self.method(method, layer)
        heat = explainer(batch, [target])[0]
        explanation = Explanation(
            method, getattr(explainer, "target_layers", [None])[0], target, probabilities, heat
        )
        if stages:
            explanation.stages = self.stage_maps(batch, target)
        if sanity:
            randomizing = self.method(method, explanation.layer, randomized=True)
            randomized = randomizing(batch, [target])[0]
            explanation.randomized = randomized
            explanation.rank_correlation = rank_correlation(heat, randomized)
        return explanation

    def stage_maps(self, batch: np.ndarray, target: int) -> list[tuple[str, np.ndarray]]:
        """One Grad-CAM per stage end, from the first (fine, local) to the last (coarse)."""
        if self._stage_cam is None:
            self._stage_cam = GradCAM(self.model, self.stage_names)
        maps = self._stage_cam.per_layer(batch, [target])
        return [(name, maps[name][0]) for name in self.stage_names]

    def _randomized_model(self, layer: str | None) -> keras.Model:
        if layer not in self._randomized:
            self._randomized[layer] = randomized_head(self.model, layer or self.default_layer)
        return self._randomized[layer]

    # -- what each layer sees -------------------------------------------------------------------

    def _layer(self, name: str) -> keras.layers.Layer:
        try:
            return targets.check_layer(self.model, name)
        except ValueError as error:
            raise InsightError("unknown_layer", str(error), layer=name) from None

    def activations(self, image: np.ndarray, layer: str) -> np.ndarray:
        """(h, w, C) float32: every channel of `layer`'s output, each scaled to [0, 1]."""
        from cnnstudio.engine.use.digit_recognizer import scale_channels

        if layer not in self._feature_models:
            self._layer(layer)
            self._feature_models[layer] = targets.feature_model(self.model, [layer], last="none")[0]
        output = self._feature_models[layer](_batch(image), training=False)
        if isinstance(output, (list, tuple)):
            output = output[0]
        return scale_channels(np.asarray(output, np.float32)[0])

    def filters(self, layer: str, limit: int = MAX_FILTERS) -> FilterBank:
        """The kernels of a convolution: each output channel's weights, scaled to [0, 1] over
        the whole bank (so kernels compare), colour where the layer reads an RGB input."""
        found = self._layer(layer)
        kernels = [w for w in found.weights if len(w.shape) == 4 and "kernel" in w.path]
        if not kernels:
            raise InsightError(
                "no_kernel",
                _("layer {layer!r} has no convolution kernel to draw").format(layer=layer),
                layer=layer,
            )
        kernel = np.asarray(kernels[0], np.float32)  # (kh, kw, in, out)
        *_size, inputs, outputs = kernel.shape
        colour = inputs == 3
        if colour:
            bank = np.transpose(kernel, (3, 0, 1, 2))
        else:  # one grey image per output channel: the mean over its input channels
            bank = np.transpose(kernel.mean(axis=2, keepdims=True), (3, 0, 1, 2))
        bank = bank[:limit]
        low, high = float(bank.min()), float(bank.max())
        scaled = (bank - low) / (high - low) if high > low else np.zeros_like(bank)
        return FilterBank(layer, scaled.astype(np.float32), outputs, colour)

    def receptive_field(
        self, image: np.ndarray, layer: str, row: int, column: int
    ) -> ReceptiveField:
        self._layer(layer)
        try:
            box = theoretical_box(self.model, layer, row, column)
        except ValueError as error:
            raise InsightError("no_field", str(error), layer=layer) from None
        if layer not in self._fields:
            self._fields[layer] = EffectiveField(self.model, layer)
        gradient = self._fields[layer](_batch(image), row, column)
        peak = float(gradient.max())
        effective = gradient / peak if peak > 0 else gradient
        return ReceptiveField(layer, row, column, box, effective.astype(np.float32))


def _batch(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, np.float32)
    return image[np.newaxis] if image.ndim == 3 else image
