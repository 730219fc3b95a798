"""Measures per-layer gradient norms on a worker thread, for the residual and activation pages.

One `GradientWorker` per measurement (a second of work at most); `GradientProbe` keeps at most
one running and remembers only the newest request, and starts nothing before the engine (and so
TensorFlow) has loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.workers import Worker


@dataclass(frozen=True)
class GradientRequest:
    depth: int = 20
    activation: str = "sigmoid"
    width: int = 32
    seed: int = 0


@dataclass(frozen=True)
class GradientResult:
    request: GradientRequest
    plain: list[float]
    residual: list[float]


class GradientWorker(Worker):
    measured = Signal(object)  # GradientResult

    def __init__(self, request: GradientRequest, parent: QObject | None = None) -> None:
        super().__init__("conceptGradients", parent)
        self.request = request

    def work(self) -> None:
        # Imported on the worker thread, after the engine loader has imported TensorFlow.
        from cnnstudio.engine.concepts.gradients import compare_twins

        r = self.request
        plain, residual = compare_twins(r.depth, r.width, r.activation, seed=r.seed)
        if not self.stopping():
            self.measured.emit(GradientResult(r, plain, residual))


class GradientProbe(QObject):
    """Runs the newest request once the engine is ready; `measured` or `failed` for each run."""

    measured = Signal(object)  # GradientResult
    failed = Signal(str)

    def __init__(self, context: StudioContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.worker: GradientWorker | None = None
        self.pending: GradientRequest | None = None
        context.engineReady.connect(self._next)

    def request(self, request: GradientRequest) -> None:
        self.pending = request
        self._next()

    def busy(self) -> bool:
        return self.worker is not None or self.pending is not None

    def _next(self) -> None:
        if self.worker is not None or self.pending is None or not self.context.engine_ready:
            return
        self.worker = GradientWorker(self.pending, self)
        self.pending = None
        self.worker.measured.connect(self.measured)
        self.worker.failed.connect(self.failed)
        self.worker.finished.connect(self._done)
        self.worker.start()

    def _done(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self._next()

    def shutdown(self) -> None:
        self.pending = None
        if self.worker is not None:
            self.worker.stop_and_wait()
