"""Recognise a drawn digit live, and show what the network sees: the drawing pad's engine.

    recognizer = DigitRecognizer.bundled()            # or .from_run(run), .from_file(path)
    result = recognizer.recognize(canvas)              # None: nothing drawn yet
    result.top                                         # (("7", 0.98), ("1", 0.01), ("9", 0.004))
    maps = recognizer.feature_maps(result.prepared)    # C1, S2, C3, S4 of LeNet-5

The canvas goes through MNIST's own preprocessing (`digit_preprocessing`) and is fitted to the
model's input as training fitted MNIST; the model is opened the way `inference` opens it (safe
mode, class names from its run or export), always from its file, so the pad holds its own copy
and never touches a model a training thread is updating.

Speed: `model.predict` costs about 65 ms per call here (it builds a data adapter and a progress
bar each time); a traced `tf.function` calling the model directly costs a few ms for LeNet-5.
Both functions (probabilities; feature maps) are traced once, with a fixed input signature, in
the constructor, so the first stroke is as fast as the others.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.engine.use.digit_preprocessing import fit_to_input, prepare_digit
from cnnstudio.i18n import _
from cnnstudio.locations import expand_user_path, resource_path

if TYPE_CHECKING:
    import keras

    from cnnstudio.engine.store.runs import Run
    from cnnstudio.engine.use.inference import Prediction, Predictor

PRETRAINED_DIR = resource_path("pretrained")  # from source and in the frozen app alike
BUNDLED_MODEL = "lenet5_mnist.keras"
BUNDLED_METADATA = "metadata.json"  # class names, accuracy and how the model was trained

# Below this top probability the answer is "not sure", and names the top two.
UNSURE_BELOW = 0.6
EMPTY_MESSAGE = "Draw a digit"
# Inputs smaller than this cannot hold a digit a person would recognise.
MIN_INPUT_SIDE = 8
# Feature-map stages shown: LeNet-5's C1-S2 and C3-S4; the first two of any other model.
CONV_STAGES = 2

_ELEMENTWISE = (
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softmax",
)
_POOLING = ("MaxPooling2D", "AveragePooling2D")


class UnsuitableModel(ValueError):
    """A model the pad cannot feed; str() is the reason, for the person."""


@dataclass(frozen=True)
class Recognition:
    probabilities: np.ndarray  # (classes,) float64, summing to 1
    class_names: tuple[str, ...]
    top: tuple[tuple[str, float], ...]  # the three most likely (name, probability)
    prepared: np.ndarray  # what the model receives: H x W x C float32 in [0, 1]
    unsure: bool  # the top probability is below UNSURE_BELOW
    message: str  # "7 (98%)", "Not sure: 4 or 9?"


@dataclass(frozen=True)
class FeatureMaps:
    layer: str  # the Keras layer whose output these are, e.g. "c1_tanh"
    title: str  # "c1 (Conv2D, tanh)", "s2 (AveragePooling2D)"
    maps: np.ndarray  # H x W x C float32, each channel scaled to [0, 1] for display


def bundled_model_path() -> Path:
    """The LeNet-5 shipped with CNN Studio (see resources/pretrained/README.md)."""
    return PRETRAINED_DIR / BUNDLED_MODEL


def bundled_metadata() -> dict[str, Any]:
    """What resources/pretrained/metadata.json says about the bundled model ({} if unreadable)."""
    try:
        data = json.loads((PRETRAINED_DIR / BUNDLED_METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def softmax_if_needed(outputs: np.ndarray) -> np.ndarray:
    """Probabilities from a model's outputs: as they are when they already are, else softmaxed
    (a model ending in logits)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    sums = outputs.sum(axis=-1)
    if np.any(outputs < 0) or not np.allclose(sums, 1.0, atol=1e-3):
        shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    return outputs / sums[..., np.newaxis]  # exactly 1, not 1 +- float32 rounding


def check_model(model: keras.Model) -> tuple[int, int, int]:
    """The H x W x C input the pad will feed `model`; UnsuitableModel says why it cannot."""
    shape = tuple(model.input_shape[1:]) if not isinstance(model.input_shape, list) else ()
    if len(model.inputs) != 1 or len(shape) != 3:
        raise UnsuitableModel(
            f"the pad feeds one image (height, width, channels) to a model; this one takes "
            f"{model.input_shape}"
        )
    height, width, channels = shape
    if channels not in (1, 3):
        raise UnsuitableModel(
            f"the pad draws grey images, which a model with 1 channel takes as they are and one "
            f"with 3 as a repeated grey; this one takes {channels} channels"
        )
    # A model of any size (None) gets MNIST's own 28 x 28.
    height, width = height or 28, width or 28
    if min(height, width) < MIN_INPUT_SIDE:
        raise UnsuitableModel(
            f"the model takes {height}x{width} images, too small for a drawn digit (at least "
            f"{MIN_INPUT_SIDE}x{MIN_INPUT_SIDE})"
        )
    output_shape = model.outputs[0].shape
    if len(output_shape) != 2 or not output_shape[-1] or output_shape[-1] < 2:
        raise UnsuitableModel(
            f"the pad needs a classifier (one score per class); this model's output has shape "
            f"{tuple(output_shape)}"
        )
    return int(height), int(width), int(channels)


class DigitRecognizer:
    """A model loaded for the pad, with its traced prediction and feature-map functions.

    Thread-safe for one caller thread at a time (a lock serialises calls from several)."""

    def __init__(
        self, model: keras.Model, *, class_names: tuple[str, ...] | None = None, source: str = ""
    ) -> None:
        import keras
        import tensorflow as tf

        self.input_shape = check_model(model)
        if len(model.outputs) > 1:  # auxiliary heads (Inception): the main output is first
            model = keras.Model(model.inputs, model.outputs[0], name=model.name)
        self.model = model
        classes = int(model.outputs[0].shape[-1])
        if not class_names or len(class_names) != classes:
            class_names = tuple(str(index) for index in range(classes))
        self.class_names = tuple(class_names)
        self.source = source or model.name
        self._lock = threading.Lock()
        signature = [tf.TensorSpec((1, *self.input_shape), tf.float32)]
        self._predict = tf.function(
            lambda x: model(x, training=False), input_signature=signature, jit_compile=False
        )
        stages = feature_stages(model)
        feature_model, shown = feature_model_for(model, [layer for layer, _title in stages])
        kept = {id(layer) for layer in shown}
        self._stages = [(layer, title) for layer, title in stages if id(layer) in kept]
        self._features = None
        if feature_model is not None:
            self._features = tf.function(
                lambda x: feature_model(x, training=False),
                input_signature=signature,
                jit_compile=False,
            )
        # Trace both now: the first stroke must not wait for it.
        blank = np.zeros((1, *self.input_shape), dtype=np.float32)
        self._predict(blank)
        if self._features is not None:
            self._features(blank)

    # -- where models come from ---------------------------------------------------------------

    @classmethod
    def bundled(cls) -> DigitRecognizer:
        """The LeNet-5 shipped with CNN Studio: works offline, with no training."""
        path = bundled_model_path()
        if not path.is_file():
            raise FileNotFoundError(
                _(
                    "the bundled LeNet-5 is missing ({path}); reinstall CNN Studio, or choose a run"
                ).format(path=path)
            )
        metadata = bundled_metadata()
        accuracy = metadata.get("val_accuracy")
        source = _("bundled LeNet-5")
        if isinstance(accuracy, (int, float)):
            source = _("bundled LeNet-5 (val acc {accuracy:.1%})").format(accuracy=accuracy)
        return cls._from_predictor(_predictor_from_file(path), source=source)

    @classmethod
    def from_run(cls, run: Run | str) -> DigitRecognizer:
        """A run's model.keras (its own copy, read from disk), with the run's class names."""
        from cnnstudio.engine.use.inference import Predictor

        predictor = _refusing(lambda: Predictor.from_run(run))
        return cls._from_predictor(predictor, source=predictor.description)

    @classmethod
    def from_file(cls, path: str | Path) -> DigitRecognizer:
        """A .keras file, opened in safe mode; class names from an export's metadata.json or
        the run folder beside it, else numbered."""
        predictor = _predictor_from_file(expand_user_path(path))
        return cls._from_predictor(predictor, source=predictor.description)

    @classmethod
    def _from_predictor(cls, predictor: Predictor, *, source: str) -> DigitRecognizer:
        return cls(predictor.model, class_names=tuple(predictor.class_names), source=source)

    # -- recognition --------------------------------------------------------------------------

    def prepare(
        self, canvas: np.ndarray, *, dark_on_light: bool | None = None
    ) -> np.ndarray | None:
        """The canvas as the model receives it (H x W x C float32), or None when nearly empty."""
        digit = prepare_digit(canvas, dark_on_light=dark_on_light)
        return None if digit is None else fit_to_input(digit, self.input_shape)

    def recognize(
        self, canvas: np.ndarray, *, dark_on_light: bool | None = None
    ) -> Recognition | None:
        """Probabilities for a drawing (H x W grey, either polarity); None when nearly empty."""
        prepared = self.prepare(canvas, dark_on_light=dark_on_light)
        return None if prepared is None else self.recognize_prepared(prepared)

    def recognize_prepared(self, prepared: np.ndarray) -> Recognition:
        """Probabilities for an input already fitted to the model (H x W x C in [0, 1])."""
        batch = np.asarray(prepared, dtype=np.float32).reshape(1, *self.input_shape)
        with self._lock:
            outputs = self._predict(batch).numpy()
        probabilities = softmax_if_needed(outputs)[0]
        order = np.argsort(-probabilities, kind="stable")[:3]
        top = tuple((self.class_names[i], float(probabilities[i])) for i in order)
        unsure = top[0][1] < UNSURE_BELOW
        if unsure and len(top) > 1:
            message = _("Not sure: {first} or {second}?").format(first=top[0][0], second=top[1][0])
        else:
            message = f"{top[0][0]} ({top[0][1]:.0%})"
        return Recognition(probabilities, self.class_names, top, batch[0], unsure, message)

    def feature_maps(self, prepared: np.ndarray) -> list[FeatureMaps]:
        """The activations of the first convolution and pooling layers for `prepared` (what
        `recognize` returned as `Recognition.prepared`); each channel scaled to [0, 1]."""
        if self._features is None:
            return []
        batch = np.asarray(prepared, dtype=np.float32).reshape(1, *self.input_shape)
        with self._lock:
            outputs = self._features(batch)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return [
            FeatureMaps(layer.name, title, scale_channels(np.asarray(output)[0]))
            for (layer, title), output in zip(self._stages, outputs, strict=True)
        ]

    def recognize_files(self, paths: list[str | Path], top: int = 3) -> list[Prediction]:
        """`predict` for drawings saved as images: each file (any size, either polarity, any
        format Pillow reads) through the pad's own preprocessing. A file that cannot be read,
        or holds no digit, gets an error (one line), never an exception."""
        from cnnstudio.engine.use.digit_preprocessing import load_canvas
        from cnnstudio.engine.use.inference import Prediction, image_error_reason

        results = []
        for path in paths:
            try:
                canvas = load_canvas(path)
            except Exception as error:  # Pillow raises many types for bad files
                results.append(Prediction(str(path), [], image_error_reason(error)))
                continue
            recognition = self.recognize(canvas)
            if recognition is None:
                results.append(Prediction(str(path), [], "blank: no digit in it"))
                continue
            order = np.argsort(-recognition.probabilities, kind="stable")[: max(1, top)]
            ranked = [(self.class_names[i], float(recognition.probabilities[i])) for i in order]
            results.append(Prediction(str(path), ranked))
        return results


def _predictor_from_file(path: Path) -> Predictor:
    from cnnstudio.engine.use.inference import Predictor

    return _refusing(lambda: Predictor.from_file(path))


def _refusing(load) -> Predictor:
    """Load through `inference.Predictor`; its refusal of an input shape becomes UnsuitableModel
    (file errors stay `ModelFileError`, unknown runs ValueError: both already say why)."""
    from cnnstudio.engine.store.modelfile import ModelFileError

    try:
        return load()
    except ModelFileError:
        raise
    except ValueError as error:
        if "takes inputs of shape" in str(error):
            raise UnsuitableModel(str(error)) from None
        raise


def scale_channels(maps: np.ndarray) -> np.ndarray:
    """H x W x C activations -> each channel scaled to [0, 1]; a flat channel is 0."""
    maps = maps.astype(np.float32, copy=False)
    low = maps.min(axis=(0, 1), keepdims=True)
    span = maps.max(axis=(0, 1), keepdims=True) - low
    return np.where(span > 1e-6, (maps - low) / np.maximum(span, 1e-6), 0.0).astype(np.float32)


# -- which layers the pad shows ---------------------------------------------------------------


def _walk(model: keras.Model) -> list[tuple[keras.Model, Any]]:
    """(owning model, layer) for every layer, nested models opened, in graph order."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_walk(layer))
        else:
            found.append((model, layer))
    return found


def _consumers(owner: keras.Model, layer: Any) -> list[Any]:
    """The layers of `owner` that take `layer`'s output."""
    output = layer.output
    return [
        other
        for other in owner.layers
        if other is not layer and any(t is output for t in _inputs_of(other))
    ]


def _inputs_of(layer: Any) -> list[Any]:
    try:
        inputs = layer.input
    except (AttributeError, ValueError):
        return []
    return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]


def feature_stages(model: keras.Model) -> list[tuple[Any, str]]:
    """(layer, title) for the maps the pad shows: the first CONV_STAGES convolutions, each after
    its normalisation and activation, and the pooling that follows it, if any. For LeNet-5:
    c1_tanh, s2_pool, c3_tanh, s4_pool (C1, S2, C3, S4 in the paper)."""
    import keras

    stages: list[tuple[Any, str]] = []
    convs = [
        (owner, layer) for owner, layer in _walk(model) if isinstance(layer, keras.layers.Conv2D)
    ]
    for owner, conv in convs[:CONV_STAGES]:
        shown, kinds = conv, [type(conv).__name__]
        while True:
            nxt = _consumers(owner, shown)
            if len(nxt) != 1 or type(nxt[0]).__name__ not in _ELEMENTWISE:
                break
            shown = nxt[0]
            if type(shown).__name__ == "Activation":
                kinds.append(str(getattr(shown.activation, "__name__", "activation")))
            elif type(shown).__name__ != "BatchNormalization":
                kinds.append(type(shown).__name__)
        name = conv.name.removesuffix("_conv")
        stages.append((shown, f"{name} ({', '.join(kinds)})"))
        after = _consumers(owner, shown)
        if len(after) == 1 and type(after[0]).__name__ in _POOLING:
            pool = after[0]
            stages.append((pool, f"{pool.name.removesuffix('_pool')} ({type(pool).__name__})"))
    return stages


def feature_model_for(
    model: keras.Model, layers: list[Any]
) -> tuple[keras.Model | None, list[Any]]:
    """A model from `model`'s input to the outputs of `layers` (which may sit in a nested model,
    as a run's network sits behind its standardisation layer), and the layers it gives, in
    order: those in the same (nested) model as the first. (None, []) when there are none."""
    import keras

    path = _owner_path(model, layers[0]) if layers else None
    if path is None:
        return None, []
    owner = path[-1]
    layers = [layer for layer in layers if _owner_path(model, layer) == path]
    sub = keras.Model(owner.inputs, [layer.output for layer in layers])
    # Wire the nested model's inputs to the tensors that feed it in each enclosing graph.
    for parent, child in zip(reversed(path[:-1]), reversed(path[1:]), strict=True):
        feed = child._inbound_nodes[0].input_tensors
        sub = keras.Model(parent.inputs, sub(feed[0] if len(feed) == 1 else feed))
    return sub, layers


def _owner_path(model: keras.Model, target: Any) -> list[keras.Model] | None:
    """The chain of models from `model` down to the one whose own layers hold `target`."""
    import keras

    for layer in model.layers:
        if layer is target:
            return [model]
        if isinstance(layer, keras.Model):
            inner = _owner_path(layer, target)
            if inner is not None:
                return [model, *inner]
    return None
