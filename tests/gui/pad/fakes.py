"""A recognizer with the engine's interface (pad contract) and no TensorFlow: the pad's own
behaviour (strokes, throttling, stale answers, refusals, switching) is tested with it quickly and
deterministically; tests/gui/pad/test_pad_model.py uses the real bundled LeNet-5."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FakeRecognition:
    probabilities: np.ndarray
    class_names: tuple[str, ...]
    top: tuple[tuple[str, float], ...]
    prepared: np.ndarray
    unsure: bool
    message: str


@dataclass(frozen=True)
class FakeMaps:
    layer: str
    title: str
    maps: np.ndarray


class FakeUnsuitable(ValueError):
    pass


class FakeRecognizer:
    input_shape = (32, 32, 1)

    def __init__(self, source: str = "fake LeNet-5", classes: int = 10) -> None:
        self.source = source
        self.class_names = tuple(str(i) for i in range(classes))
        self.calls = 0
        self.thread: threading.Thread | None = None
        self.gate: threading.Event | None = None  # when set, recognize waits for it

    def recognize(self, canvas: np.ndarray) -> FakeRecognition | None:
        self.thread = threading.current_thread()
        if self.gate is not None:
            self.gate.wait(10)
        self.calls += 1
        grey = canvas.astype(np.float32) / 255.0
        if grey[0].mean() > 0.5:  # dark on light
            grey = 1.0 - grey
        if (grey > 0.5).mean() < 0.002:
            return None
        step = max(1, grey.shape[0] // 32)
        prepared = grey[::step, ::step][:32, :32, None]
        # Deterministic, depends on the ink: the share of ink in each tenth of the rows.
        logits = np.array([band.mean() for band in np.array_split(grey, len(self.class_names))])
        probabilities = np.exp(20 * logits) / np.exp(20 * logits).sum()
        order = np.argsort(-probabilities)[:3]
        top = tuple((self.class_names[i], float(probabilities[i])) for i in order)
        unsure = top[0][1] < 0.5
        message = f"Not sure: {top[0][0]} or {top[1][0]}?" if unsure else ""
        return FakeRecognition(probabilities, self.class_names, top, prepared, unsure, message)

    def feature_maps(self, prepared: np.ndarray) -> list[FakeMaps]:
        plane = prepared[..., 0]
        return [
            FakeMaps("c1", "c1 (Conv2D)", np.repeat(plane[2:30, 2:30, None], 6, axis=-1)),
            FakeMaps("s2", "s2 (AveragePooling2D)", np.repeat(plane[::2, ::2, None], 6, axis=-1)),
        ]


class FakeOpener:
    """ModelSource -> FakeRecognizer; a file named wrong*.keras is refused with a reason."""

    def __init__(self) -> None:
        self.opened: list = []
        self.recognizers: dict = {}

    def __call__(self, source) -> FakeRecognizer:
        self.opened.append(source)
        if Path(source.location).name.startswith("wrong"):
            raise FakeUnsuitable("the model takes 224 x 224 x 3 images; the pad can feed 1 channel")
        classes = 3 if "three" in source.location else 10
        recognizer = FakeRecognizer(source.label, classes)
        self.recognizers[source] = recognizer
        return recognizer
