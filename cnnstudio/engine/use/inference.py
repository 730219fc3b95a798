"""Classify image files with a trained model, preprocessed the way its training data was.

    predictor = Predictor.from_run(run)               # or Predictor.from_file("model.keras")
    for prediction in predictor.predict_files(["digit.png"], top=3):
        print(prediction.path, prediction.top)        # [("7", 0.98), ("1", 0.01), ...]

Preprocessing repeats training's (`datasets.load_image_folder` + `pipeline.plan_fit`):

1. the image is read with Pillow, converted to grayscale (L) or RGB as the data set's images
   were (alpha dropped, a GIF's first frame), and resized (bilinear) to the data set's native
   size, e.g. 28 x 28 for MNIST, as an image folder's files are;
2. the pipeline's own plan then fits it to the model's input: the same zero padding (28 -> 32
   for LeNet-5) or resize, the same channel conversion, the same scaling to [0, 1];
3. standardisation, when the run used it, is a layer inside the model.

A model file takes its class names and training image shape from an export's metadata.json next
to it or from the run folder it sits in; a bare file elsewhere has neither: its images go
straight to the model's input size (step 2 only) and its classes are numbered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.engine.store.runs import RUN_FILE, Run, RunStore
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.engine.use.digit_preprocessing import ImageTooSmall
from cnnstudio.i18n import _, ngettext
from cnnstudio.locations import expand_user_path

if TYPE_CHECKING:
    import keras


# The shortest side an image may have, as a fraction of the training images' side (7 pixels
# for MNIST's 28): below it upscaling invents the content a prediction would be about.
MIN_SIDE_FRACTION = 0.25
# Images decoded and classified together: flat memory for any number of files.
BATCH_SIZE = 64


@dataclass(frozen=True)
class Prediction:
    path: str
    top: list[tuple[str, float]]  # (class name, probability), most likely first
    error: str | None = None  # why this image could not be classified


def _context_near(path: Path) -> tuple[list[str] | None, tuple[int, int, int] | None]:
    """Class names and the training images' shape, from an export's metadata.json or the
    run.json of the run folder a model file sits in; (None, None) when neither is there."""
    for candidate in (path.parent / "metadata.json", path.parent / RUN_FILE):
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        dataset = data.get("dataset") or {}
        names = data.get("class_names") or dataset.get("class_names")
        shape = _shape((data.get("preprocessing") or {}).get("source_image_shape")) or _shape(
            dataset.get("image_shape")
        )
        if isinstance(names, list) and names:
            return [str(name) for name in names], shape
    return None, None


class Predictor:
    """A loaded model plus how to turn an image file into its input."""

    def __init__(
        self,
        model: keras.Model,
        *,
        class_names: list[str] | None = None,
        source_shape: tuple[int, int, int] | None = None,
        description: str = "",
    ) -> None:
        self.model = model
        self.input_shape = image_input_shape(model)
        classes = class_count(model)
        if not class_names or len(class_names) != classes:
            class_names = [str(index) for index in range(classes)]
        self.class_names = list(class_names)
        # The size and channels images had in training (None: the model's input itself).
        self.source_shape = tuple(source_shape) if source_shape else self.input_shape
        self.description = description
        self._fit: Any = None  # one traced function each, made on first use (see `_traced`)
        self._forward: Any = None

    @classmethod
    def from_run(cls, run: Run | str, runs: RunStore | None = None) -> Predictor:
        from cnnstudio.engine.store.modelfile import load_model_file
        from cnnstudio.engine.store.trained import model_source

        handle = run if isinstance(run, Run) else (runs or RunStore()).find(str(run))
        record = handle.record  # a damaged or newer run.json is refused before the model loads
        source = model_source(handle)  # NoModelError (a ValueError) says why there is none
        model = load_model_file(source)
        dataset = record.get("dataset") or {}
        return cls(
            model,
            class_names=dataset.get("class_names"),
            source_shape=_shape(dataset.get("image_shape")) or _dataset_shape(dataset.get("name")),
            description=_("run {id} ({name})").format(id=handle.id, name=source.name),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Predictor:
        from cnnstudio.engine.store.modelfile import load_model_file

        path = expand_user_path(path)
        model = load_model_file(path)
        class_names, source_shape = _context_near(path)
        return cls(model, class_names=class_names, source_shape=source_shape, description=str(path))

    @classmethod
    def latest(cls, runs: RunStore | None = None) -> Predictor:
        """The newest finished run that has a model. Newer runs passed over are named with the
        reason (still running, stopped, damaged, ...) in the description, so that a person who
        expected their newest run knows why another answered."""
        store = runs or RunStore()
        passed_over: list[str] = []
        for handle in reversed(store.list()):
            try:
                status = handle.status
                if status == "finished" and handle.model_file.is_file():
                    predictor = cls.from_run(handle)
                    if passed_over:
                        predictor.description += _("; passed over newer: {runs}").format(
                            runs=_listed(passed_over)
                        )
                    return predictor
                if status == "finished":
                    reason = _("finished without a model.keras")
                else:
                    reason = status_name(status)
            except (OSError, ValueError) as error:
                reason = _("unreadable: {error}").format(error=error)
            passed_over.append(f"{handle.id} ({reason})")
        if passed_over:
            text = _(
                "no finished run with a model in {root} (passed over: {runs}); train one "
                "(cnnstudio train) or pass --model RUN|MODEL_FILE"
            )
        else:
            text = _(
                "no finished run with a model in {root}; train one (cnnstudio train) or pass "
                "--model RUN|MODEL_FILE"
            )
        raise ValueError(text.format(root=store.root, runs=_listed(passed_over)))

    # -- preprocessing ------------------------------------------------------------------------

    def load_image(self, path: str | Path) -> np.ndarray:
        """One image file -> float32 (height, width, channels) in [0, 1], fitted to the model."""
        return self.fit_pixels(self.read_pixels(path)[np.newaxis])[0]

    def read_pixels(self, path: str | Path) -> np.ndarray:
        """One image file -> uint8 pixels at the training images' size and channels (step 1);
        ImageReadError or ImageTooSmall says why not."""
        from cnnstudio.engine.data.images import read_pixels

        height, width, channels = self.source_shape
        mode = "L" if channels == 1 else "RGB"
        # One open per file: the size is checked from the header the decoder reads anyway.
        return read_pixels(path, mode, (width, height), check=self._check_size)

    def fit_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 at the source shape -> (N, ...) float32 at the model's input, by
        the pipeline's own plan (step 2), through one traced function for every batch."""
        self._traced()
        return self._fit(pixels).numpy()

    def _traced(self) -> None:
        """The fit step and the forward pass as `tf.function`s with fixed signatures: traced
        once, then reused for every batch (a new function per image cost 13 ms and 77 KB)."""
        if self._fit is not None:
            return
        import tensorflow as tf

        from cnnstudio.engine.data.pipeline import fit_images, plan_fit

        plan = plan_fit(self.source_shape, self.input_shape)
        source = tf.TensorSpec([None, *self.source_shape], tf.uint8)
        self._fit = tf.function(lambda batch: fit_images(batch, plan), input_signature=[source])
        model_input = tf.TensorSpec([None, *self.input_shape], tf.float32)
        self._forward = tf.function(
            lambda images: self.model(images, training=False), input_signature=[model_input]
        )

    def _check_size(self, size: tuple[int, int]) -> None:
        """`size` is Pillow's (width, height); messages say height x width, as shapes do."""
        height, width = self.source_shape[:2]
        smallest = max(1, math.ceil(MIN_SIDE_FRACTION * min(height, width)))
        if min(size) < smallest:
            raise ImageTooSmall(
                _(
                    "{value}x{value2} pixels is too small: the model was trained on "
                    "{height}x{width} images; give at least {smallest}x{smallest}"
                ).format(
                    value=size[1], value2=size[0], height=height, width=width, smallest=smallest
                )
            )

    # -- prediction ---------------------------------------------------------------------------

    def outputs(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) fitted images -> the model's raw outputs, through the traced forward
        pass (a graph: an eager Keras call costs several times more per batch)."""
        self._traced()
        return self._forward(np.asarray(images, np.float32)).numpy()

    def outputs_of_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """`outputs` of (N, H, W, C) uint8 pixels at the source shape (what `read_pixels`
        gives): fitted and run in TensorFlow with no float copy of the batch in NumPy."""
        self._traced()
        return self._forward(self._fit(pixels)).numpy()

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) fitted images -> (N, classes) probabilities."""
        outputs = np.asarray(self.outputs(images), dtype=np.float64)
        sums = outputs.sum(axis=-1)
        if np.any(outputs < 0) or not np.allclose(sums, 1.0, atol=1e-3):
            # A model ending in logits: softmax them, so the numbers are probabilities.
            shifted = np.exp(outputs - outputs.max(axis=-1, keepdims=True))
            outputs = shifted / shifted.sum(axis=-1, keepdims=True)
        return outputs

    def top(self, probabilities: np.ndarray, k: int) -> list[tuple[str, float]]:
        order = np.argsort(-probabilities)[: max(1, k)]
        return [(self.class_names[i], float(probabilities[i])) for i in order]

    def predict_files(self, paths: list[str | Path], top: int = 3) -> list[Prediction]:
        """Top-`top` classes for each file, in order; an unreadable file gets an error, not an
        exception. Files are decoded and classified `BATCH_SIZE` at a time, so memory stays
        flat however many there are."""
        return [prediction for chunk in self.iter_predictions(paths, top) for prediction in chunk]

    def iter_predictions(self, paths: list[str | Path], top: int = 3) -> Iterator[list[Prediction]]:
        """`predict_files` one batch at a time, for callers that print as they go."""
        for start in range(0, len(paths), BATCH_SIZE):
            chunk = paths[start : start + BATCH_SIZE]
            results: list[Prediction | None] = [None] * len(chunk)
            pixels, rows = [], []
            for index, path in enumerate(chunk):
                try:
                    pixels.append(self.read_pixels(path))
                    rows.append(index)
                except Exception as error:  # Pillow raises many types for bad files
                    results[index] = Prediction(str(path), [], image_error_reason(error))
            if pixels:
                probabilities = self.probabilities(self.fit_pixels(np.stack(pixels)))
                for row, index in enumerate(rows):
                    results[index] = Prediction(
                        str(chunk[index]), self.top(probabilities[row], top)
                    )
            yield [result for result in results if result is not None]


def image_input_shape(model: keras.Model) -> tuple[int, int, int]:
    """The (height, width, channels) of a model's one image input; ValueError says why a model
    cannot classify image files (several inputs, no fixed size, not 1 or 3 channels)."""
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise ValueError(
            _("the model has {len} inputs; predict needs a model with one image input").format(
                len=len(inputs)
            )
        )
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3:
        raise ValueError(
            _(
                "the model takes inputs of shape {shape}; predict needs a model of "
                "grayscale or RGB images (height, width, 1 or 3)"
            ).format(shape=shape)
        )
    if any(dim is None for dim in shape):
        shown = "x".join("?" if dim is None else str(dim) for dim in shape)
        raise ValueError(
            _(
                "the model's input has no fixed size ({shown}); predict needs a model "
                "built for one input size, as every model CNN Studio trains is"
            ).format(shown=shown)
        )
    if shape[-1] not in (1, 3):
        raise ValueError(
            _(
                "the model takes inputs of shape {shape}; predict needs a model of "
                "grayscale or RGB images (height, width, 1 or 3)"
            ).format(shape=shape)
        )
    return (int(shape[0]), int(shape[1]), int(shape[2]))


def class_count(model: keras.Model) -> int:
    """How many classes the model's one output scores; ValueError otherwise."""
    outputs = getattr(model, "outputs", None) or []
    if len(outputs) != 1:
        raise ValueError(
            _("the model has {len} outputs; predict needs a classifier with one output").format(
                len=len(outputs)
            )
        )
    shape = tuple(outputs[0].shape[1:])
    if len(shape) != 1 or shape[0] is None or int(shape[0]) < 1:
        raise ValueError(
            _("the model's output has shape {shape}; predict needs one score per class").format(
                shape=shape
            )
        )
    return int(shape[0])


def image_error_reason(error: Exception) -> str:
    """Why an image file could not be read, in a few words (`predict` prints one line each)."""
    from cnnstudio.engine.data.images import ImageReadError, reason_of

    if isinstance(error, ImageReadError):
        return error.reason
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "a folder, not an image file (give its images, e.g. FOLDER/*.png)"
    if isinstance(error, ImageTooSmall):
        return str(error)
    return reason_of("", error)


def _shape(value: Any) -> tuple[int, int, int] | None:
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value):
        return (value[0], value[1], value[2])
    return None


def _dataset_shape(name: Any) -> tuple[int, int, int] | None:
    """Native image shape of a registered data set, or of an image folder as loaded."""
    if not isinstance(name, str) or not name:
        return None
    try:
        from cnnstudio.engine.data.datasets import FOLDER_PREFIX, get_dataset_info

        if name.startswith(FOLDER_PREFIX):
            return None
        return tuple(get_dataset_info(name).image_shape)
    except (ValueError, KeyError):
        return None


LATEST = "latest"  # `--model latest`: the newest finished run


def _listed(items: list[str], shown: int = 3) -> str:
    listed = ", ".join(items[:shown])
    if len(items) <= shown:
        return listed
    more = len(items) - shown
    return ngettext("{listed} and {more} more", "{listed} and {more} more", more).format(
        listed=listed, more=more
    )


def load_predictor(model: str | None, runs: RunStore | None = None) -> Predictor:
    """`--model` as the CLI takes it: a run id / folder, a model file, or "latest" (or None):
    the newest finished run."""
    if model is None or model == LATEST:
        return Predictor.latest(runs)
    from cnnstudio.engine.store.trained import resolve_trained

    source = resolve_trained(model, runs)
    if source.run is not None:
        return Predictor.from_run(source.run)
    return Predictor.from_file(source.path)
