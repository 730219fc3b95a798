"""The evaluation view's background work: evaluating a run, and reading image files for the
gallery's thumbnails. Neither touches a widget; both report by signals (gui/workers.py).

`EvaluationWorker` runs `evaluate_run` once. The engine reports after each batch, and that report
is where a stop is honoured: the callback raises, the half-done evaluation is dropped (nothing is
cached), and the worker says `cancelled`. Loading the model and the data cannot be interrupted.

`ThumbnailLoader` reads image files named by an evaluation of an image folder, off the GUI thread
(a file on a slow disk must not freeze the window), with the engine's one image reader: a missing
or damaged file is a reason to show, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.workers import LatestRequestWorker, Worker

# Images per batch: small enough that Stop answers within a fraction of a second on a CPU, large
# enough that the model's throughput is not lost to the per-batch overhead.
BATCH_SIZE = 64


class _Cancelled(Exception):
    """Raised inside the engine's progress callback to leave the evaluation between batches."""


@dataclass(frozen=True)
class EvaluationRequest:
    run: str  # the run's folder
    data: str | None  # None: the run's validation split; a data set name; a folder's path
    use_cache: bool = True
    batch_size: int = BATCH_SIZE


class EvaluationWorker(Worker):
    """Signals (queued to the GUI thread):

    * `progressed(done, total)` images, after the data is loaded and after each batch;
    * `evaluated(RunEvaluation)` at the end, or `refused(code, values, message)` for data the
      model cannot take (EvaluationDataError), or `cancelled()` after `stop()`;
    * `failed(message)` (the base class) for anything else: no model, no data, a damaged run.
    """

    progressed = Signal(int, int)
    evaluated = Signal(object)
    refused = Signal(str, object, str)
    cancelled = Signal()
    stop_timeout_ms = 60_000  # a model or a data set being loaded runs to its end

    def __init__(self, request: EvaluationRequest, parent: QObject | None = None) -> None:
        super().__init__("evaluationWorker", parent)
        self.request = request

    def work(self) -> None:
        from cnnstudio.engine.insight.run_evaluation import EvaluationDataError, evaluate_run
        from cnnstudio.engine.store.runs import Run

        def progress(done: int, total: int) -> None:
            if self.stopping():
                raise _Cancelled
            self.progressed.emit(done, total)

        request = self.request
        try:
            outcome = evaluate_run(
                Run(Path(request.run)),
                data=request.data,
                batch_size=request.batch_size,
                use_cache=request.use_cache,
                progress=progress,
            )
        except _Cancelled:
            self.cancelled.emit()
            return
        except EvaluationDataError as error:
            self.refused.emit(error.code, dict(error.values), str(error))
            return
        if self.stopping():
            self.cancelled.emit()
        else:
            self.evaluated.emit(outcome)

    def describe_error(self, error: Exception) -> str:
        # The engine's messages are sentences already (no model, data unavailable offline...).
        return str(error) or type(error).__name__


@dataclass(frozen=True)
class ThumbnailRequest:
    path: str
    mode: str  # "L" or "RGB": as the evaluated images
    size: tuple[int, int]  # (width, height): the size the model saw


class ThumbnailLoader(LatestRequestWorker):
    """`load(requests)` replaces the files still waiting with these (the gallery asks for what it
    shows now); `loaded(path, pixels | None, reason)` for each file read."""

    loaded = Signal(str, object, str)
    stop_timeout_ms = 10_000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__("thumbnailLoader", parent)

    def load(self, requests: list[ThumbnailRequest]) -> None:
        if requests:
            self.offer(list(requests))

    def handle(self, slot: str, request: object) -> None:
        from cnnstudio.engine.data.images import read_pixels, reason_of

        pending: list[ThumbnailRequest] = list(request)  # type: ignore[call-overload]
        while pending:
            if self.stopping():
                return
            if self.newer_waiting():
                return  # the gallery changed: its newest list holds what is still wanted
            wanted = pending.pop(0)
            try:
                pixels = read_pixels(wanted.path, wanted.mode, wanted.size)
            except Exception as error:  # ImageReadError or any of Pillow's: a reason to show
                self.loaded.emit(wanted.path, None, reason_of(wanted.path, error))
            else:
                self.loaded.emit(wanted.path, pixels, "")
