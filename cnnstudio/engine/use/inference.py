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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnstudio.engine.store.runs import RUN_FILE, Run, RunStore
from cnnstudio.engine.use.digit_preprocessing import ImageTooSmall

if TYPE_CHECKING:
    import keras


# The shortest side an image may have, as a fraction of the training images' side (7 pixels
# for MNIST's 28): below it upscaling invents the content a prediction would be about.
MIN_SIDE_FRACTION = 0.25


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
        self.input_shape = tuple(int(d) for d in model.input_shape[1:])
        if len(self.input_shape) != 3 or self.input_shape[-1] not in (1, 3):
            raise ValueError(
                f"the model takes inputs of shape {self.input_shape}; predict needs a model of "
                f"grayscale or RGB images (height, width, 1 or 3)"
            )
        classes = int(model.output_shape[-1])
        if not class_names or len(class_names) != classes:
            class_names = [str(index) for index in range(classes)]
        self.class_names = list(class_names)
        # The size and channels images had in training (None: the model's input itself).
        self.source_shape = tuple(source_shape) if source_shape else self.input_shape
        self.description = description

    @classmethod
    def from_run(cls, run: Run | str, runs: RunStore | None = None) -> Predictor:
        from cnnstudio.engine.store.modelfile import load_model_file
        from cnnstudio.engine.use.export import model_source

        handle = run if isinstance(run, Run) else (runs or RunStore()).find(str(run))
        record = handle.record  # a damaged or newer run.json is refused before the model loads
        try:
            source = model_source(handle)
        except RuntimeError as error:
            raise ValueError(str(error)) from None
        model = load_model_file(source)
        dataset = record.get("dataset") or {}
        return cls(
            model,
            class_names=dataset.get("class_names"),
            source_shape=_shape(dataset.get("image_shape")) or _dataset_shape(dataset.get("name")),
            description=f"run {handle.id} ({source.name})",
        )

    @classmethod
    def from_file(cls, path: str | Path) -> Predictor:
        from cnnstudio.engine.store.modelfile import load_model_file

        path = Path(path).expanduser()
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
                        predictor.description += f"; passed over newer: {_listed(passed_over)}"
                    return predictor
                reason = "finished without a model.keras" if status == "finished" else status
            except (OSError, ValueError) as error:
                reason = f"unreadable: {error}"
            passed_over.append(f"{handle.id} ({reason})")
        passed = f" (passed over: {_listed(passed_over)})" if passed_over else ""
        raise ValueError(
            f"no finished run with a model in {store.root}{passed}; train one (cnnstudio train) "
            f"or pass --model RUN|MODEL_FILE"
        )

    # -- preprocessing ------------------------------------------------------------------------

    def load_image(self, path: str | Path) -> np.ndarray:
        """One image file -> float32 (height, width, channels) in [0, 1], fitted to the model."""
        from PIL import Image

        from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit

        height, width, channels = self.source_shape
        mode = "L" if channels == 1 else "RGB"
        with Image.open(path) as image:
            image.load()  # decode now: a corrupt file fails here, with Pillow's reason
            self._check_size(image.size)
            if image.mode in ("P", "PA") and mode == "RGB":
                image = image.convert("RGBA")
            if image.mode != mode:
                image = image.convert(mode)
            if image.size != (width, height):
                image = image.resize((width, height), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8).reshape(height, width, channels)
        plan = plan_fit(self.source_shape, self.input_shape)
        return fit_images_numpy(pixels[np.newaxis], plan)[0]

    def _check_size(self, size: tuple[int, int]) -> None:
        """`size` is Pillow's (width, height); messages say height x width, as shapes do."""
        height, width = self.source_shape[:2]
        smallest = max(1, math.ceil(MIN_SIDE_FRACTION * min(height, width)))
        if min(size) < smallest:
            raise ImageTooSmall(
                f"{size[1]}x{size[0]} pixels is too small: the model was trained on "
                f"{height}x{width} images; give at least {smallest}x{smallest}"
            )

    # -- prediction ---------------------------------------------------------------------------

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) fitted images -> (N, classes) probabilities."""
        outputs = np.asarray(self.model(images, training=False), dtype=np.float64)
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
        """Top-`top` classes for each file; an unreadable file gets an error, not an exception."""
        results: list[Prediction | None] = [None] * len(paths)
        images, rows = [], []
        for index, path in enumerate(paths):
            try:
                images.append(self.load_image(path))
                rows.append(index)
            except Exception as error:  # Pillow raises many types for bad files
                results[index] = Prediction(str(path), [], image_error_reason(error))
        if images:
            probabilities = self.probabilities(np.stack(images))
            for row, index in enumerate(rows):
                results[index] = Prediction(str(paths[index]), self.top(probabilities[row], top))
        return [result for result in results if result is not None]


def image_error_reason(error: Exception) -> str:
    """Why an image file could not be read, in a few words (`predict` prints one line each)."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "a folder, not an image file (give its images, e.g. FOLDER/*.png)"
    if isinstance(error, ImageTooSmall):
        return str(error)
    from cnnstudio.engine.data.datasets import _image_error_reason

    return _image_error_reason(error)


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
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def load_predictor(model: str | None, runs: RunStore | None = None) -> Predictor:
    """`--model` as the CLI takes it: a run id / folder, a model file, or "latest" (or None):
    the newest finished run."""
    if model is None or model == LATEST:
        return Predictor.latest(runs)
    path = Path(model).expanduser()
    if path.is_file():
        return Predictor.from_file(path)
    if path.is_dir() and (path / RUN_FILE).is_file():
        return Predictor.from_run(Run(path))
    if path.suffix in (".keras", ".h5") or path.is_dir():
        from cnnstudio.engine.store.modelfile import load_model_file

        load_model_file(path)  # raises the clear error for this path
    return Predictor.from_run(model, runs)
