"""Recognition off the GUI thread: one long-lived worker that always works on the newest request.

The pad asks far more often than a network answers while a stroke grows, so requests are not
queued: each new canvas replaces the one waiting (`submit`), and a model switch (`set_model`)
replaces the model waiting. The worker answers in two steps, the probabilities first (what the
bars need at once), then the feature maps, which it skips when a newer canvas is already
waiting (they would be stale before they were shown) and, while a stroke grows, computes at most
every MAPS_INTERVAL_S; the canvas that ends a stroke always gets them.

The recognizer (`cnnstudio.engine.use.digit_recognizer.DigitRecognizer`) is created on this thread,
once per model source, and the last few are kept: switching back to a model is instant. Each
recognizer holds its own copy of its model, loaded from disk, never a model a training thread is
updating.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.widgets.trained_models import FILE, RUN, ModelSource
from cnnstudio.gui.workers import LatestRequestWorker

KEEP_RECOGNIZERS = 3  # models kept loaded (the one in use and the last two)
MAPS_INTERVAL_S = 0.1  # feature maps while a stroke grows: 10 a second still look live


def open_recognizer(source: ModelSource) -> Any:
    """The engine's recognizer for a source (raises UnsuitableModel with the reason)."""
    from cnnstudio.engine.use.digit_recognizer import DigitRecognizer

    if source.kind == RUN:
        from cnnstudio.engine.store.runs import Run

        # The folder, not the id: the context's run store may live anywhere.
        return DigitRecognizer.from_run(Run(Path(source.location)))
    if source.kind == FILE:
        return DigitRecognizer.from_file(source.location)
    return DigitRecognizer.bundled()


@dataclass(frozen=True)
class ModelInfo:
    """What the view shows of a loaded recognizer."""

    source: ModelSource
    description: str  # the recognizer's own `source` text, e.g. "bundled LeNet-5 (val acc 98.9%)"
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...]


class RecognitionWorker(LatestRequestWorker):
    """Signals (queued to the GUI thread):

    * `modelReady(ModelInfo)` / `modelRefused(ModelSource, reason)` after each `set_model`;
    * `recognized(seq, Recognition | None)` for the newest canvas (None: nearly empty);
    * `featureMaps(seq, list[FeatureMaps])` for the same canvas, unless a newer one came;
    * `attention(seq, heat)`: where the model looks for its answer (Grad-CAM at the layer the
      engine finds from the structure, an H x W map in [0, 1] over the model's input; None for
      a model with no spatial layer), sent after the feature maps while `show_attention` is on.
    """

    modelReady = Signal(object)
    modelRefused = Signal(object, str)
    recognized = Signal(int, object)
    featureMaps = Signal(int, object)
    attention = Signal(int, object)
    stop_timeout_ms = 60_000  # loading and tracing a model cannot be interrupted
    slots = ("model", "canvas")  # a model switch first: the canvas waits for it
    auto_start = None  # the pad starts it with the view

    def __init__(
        self,
        opener: Callable[[ModelSource], Any] = open_recognizer,
        parent: QObject | None = None,
    ) -> None:
        super().__init__("padRecognitionWorker", parent)
        self._opener = opener
        self._maps_at = 0.0  # perf_counter of the last feature maps sent
        self._recognizers: OrderedDict[ModelSource, Any] = OrderedDict()  # least recent first
        self._recognizer: Any = None
        # Grad-CAM of the recognizer in use, made on first use: (recognizer, method or None).
        self._attention: tuple[Any, Any] = (None, None)
        self.show_attention = True  # set from the GUI thread; read here (a plain bool)

    # -- any thread -----------------------------------------------------------------------------

    def submit(self, seq: int, canvas: np.ndarray, final: bool = True) -> None:
        """Recognise this canvas next, in place of any canvas still waiting. `final` False: a
        stroke still growing, whose feature maps may be skipped (see MAPS_INTERVAL_S)."""
        self.offer((seq, canvas, final), "canvas")

    def set_model(self, source: ModelSource) -> None:
        self.offer(source, "model")

    # -- the worker thread ----------------------------------------------------------------------

    def handle(self, slot: str, request: object) -> None:
        if slot == "model":
            self._load(request)  # type: ignore[arg-type]
        else:
            self._recognize(*request)  # type: ignore[misc]

    def _load(self, source: ModelSource) -> None:
        recognizer = self._recognizers.get(source)
        if recognizer is None:
            try:
                recognizer = self._opener(source)
            except Exception as error:  # UnsuitableModel, OSError, a damaged file: say why
                self.modelRefused.emit(source, _reason(error))
                return
            self._recognizers[source] = recognizer
            # A few kept for instant switching back; a large run's model is not held for ever.
            while len(self._recognizers) > KEEP_RECOGNIZERS:
                self._recognizers.popitem(last=False)
        self._recognizers.move_to_end(source)
        self._recognizer = recognizer
        self.modelReady.emit(
            ModelInfo(
                source,
                str(getattr(recognizer, "source", source.label)),
                tuple(recognizer.input_shape),
                tuple(recognizer.class_names),
            )
        )

    def _recognize(self, seq: int, canvas: np.ndarray, final: bool) -> None:
        recognizer = self._recognizer
        if recognizer is None:
            return  # no model yet: the view submits again once one is ready
        recognition = recognizer.recognize(canvas)
        self.recognized.emit(seq, recognition)
        if recognition is None:
            return
        stale = self.newer_waiting()
        # While a stroke grows, maps at most every MAPS_INTERVAL_S: the bars come first, and a
        # stroke's end then rarely waits behind maps that are about to be replaced anyway.
        if stale or (not final and time.perf_counter() - self._maps_at < MAPS_INTERVAL_S):
            return
        self.featureMaps.emit(seq, recognizer.feature_maps(recognition.prepared))
        if self.show_attention:
            # None too: a model with nothing spatial to look into says so (the view clears).
            self.attention.emit(seq, self._where_it_looks(recognizer, recognition))
        self._maps_at = time.perf_counter()

    def _where_it_looks(self, recognizer: Any, recognition: Any) -> np.ndarray | None:
        """Grad-CAM of the answer, or None for a model with nothing spatial to look into."""
        if self._attention[0] is not recognizer:
            method = None
            model = getattr(recognizer, "model", None)
            if model is not None:
                from cnnstudio.engine.insight.explain import GradCAM

                try:
                    method = GradCAM(model)
                except ValueError:  # no spatial layer (a dense-only model): no map, no error
                    method = None
            self._attention = (recognizer, method)
        method = self._attention[1]
        if method is None:
            return None
        answer = int(np.argmax(recognition.probabilities))
        return method(recognition.prepared[np.newaxis], [answer])[0]


def _reason(error: Exception) -> str:
    # UnsuitableModel is a ValueError whose text is the reason, written for the person.
    if isinstance(error, ValueError | OSError):
        return str(error) or type(error).__name__
    return f"{type(error).__name__}: {error}"
