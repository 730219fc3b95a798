"""What a training session tells its observer, as small immutable dataclasses of plain numbers.

The session calls exactly one method, `observer.on_event(event)`, on the training thread, in this
order::

    RunStarted, (BatchEnd..., EpochEnd)..., then one of RunFinished | RunStopped | RunFailed

`TrainingObserver.on_event` dispatches to `on_run_started`, `on_batch_end`, `on_epoch_end`,
`on_finished`, `on_stopped` and `on_failed`; override the ones you need. A GUI worker overrides
`on_event` itself and forwards every event through one queued Qt signal. Events hold Python
numbers and strings only (never tensors), so they may cross threads freely.

Numbering is for people: epochs and batches count from 1. `BatchEnd` arrives once per execution
group (`steps_per_execution` batches run in one call into TensorFlow) and describes its last
batch; `loss` and `accuracy` are Keras's running means over the epoch so far.

An observer must be quick: it runs between batches. An exception raised by an observer fails the
run (status `failed`, with the reason), so bugs are not silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    run_dir: str
    model: str  # registry name, e.g. "lenet5"
    model_display_name: str
    dataset: str
    input_shape: tuple[int, int, int]
    num_classes: int
    params: int
    trainable_params: int
    device: str  # "cpu", "gpu:0"
    epochs: int
    steps_per_epoch: int
    batch_size: int
    steps_per_execution: int
    train_size: int
    validation_size: int  # the images each validation measures (fewer with limit_batches)
    # A resumed run continues after this many completed epochs (0: a new run).
    initial_epoch: int = 0
    # What went wrong but was worked around while the run was prepared (a damaged checkpoint
    # passed over, ...), also in log.txt: observers say them to the person.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchEnd:
    epoch: int
    batch: int  # batches done in this epoch, 1..steps_per_epoch
    steps_per_epoch: int
    step: int  # batches done in the whole run
    loss: float
    accuracy: float
    images_per_second: float


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    # loss, accuracy, val_loss, val_accuracy (and any other compiled metric)
    metrics: dict[str, float]
    learning_rate: float
    elapsed_seconds: float  # since the run started
    epoch_seconds: float
    eta_seconds: float
    images_per_second: float  # training images of this epoch over its training time
    is_best: bool  # best validation accuracy so far


@dataclass(frozen=True)
class RunFinished:
    run_dir: str
    epochs_completed: int
    best: dict[str, Any] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    early_stopped: bool = False


@dataclass(frozen=True)
class RunStopped:
    run_dir: str
    epochs_completed: int
    best: dict[str, Any] = field(default_factory=dict)
    elapsed_seconds: float = 0.0


@dataclass(frozen=True)
class RunFailed:
    run_dir: str | None
    reason: str
    epochs_completed: int = 0
    elapsed_seconds: float = 0.0


TrainingEvent = RunStarted | BatchEnd | EpochEnd | RunFinished | RunStopped | RunFailed


class TrainingObserver:
    """Base observer: `on_event` routes each event to one method; all of them do nothing."""

    def on_event(self, event: TrainingEvent) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            getattr(self, handler)(event)

    def on_run_started(self, event: RunStarted) -> None:
        pass

    def on_batch_end(self, event: BatchEnd) -> None:
        pass

    def on_epoch_end(self, event: EpochEnd) -> None:
        pass

    def on_finished(self, event: RunFinished) -> None:
        pass

    def on_stopped(self, event: RunStopped) -> None:
        pass

    def on_failed(self, event: RunFailed) -> None:
        pass


_HANDLERS: dict[type, str] = {
    RunStarted: "on_run_started",
    BatchEnd: "on_batch_end",
    EpochEnd: "on_epoch_end",
    RunFinished: "on_finished",
    RunStopped: "on_stopped",
    RunFailed: "on_failed",
}


class RecordingObserver(TrainingObserver):
    """Keeps every event in a list: for tests, the bench and scripts."""

    def __init__(self) -> None:
        self.events: list[TrainingEvent] = []

    def on_event(self, event: TrainingEvent) -> None:
        self.events.append(event)
        super().on_event(event)

    def of_type(self, kind: type) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


def final_event(result: Any) -> TrainingEvent:
    """The observer's last event for a session's RunResult: the same facts."""
    best = dict(result.best)
    if result.status == "finished":
        return RunFinished(
            result.run_dir or "",
            result.epochs_completed,
            best,
            result.elapsed_seconds,
            result.early_stopped,
        )
    if result.status == "stopped":
        return RunStopped(
            result.run_dir or "", result.epochs_completed, best, result.elapsed_seconds
        )
    return RunFailed(
        result.run_dir,
        result.reason or "unknown error",
        result.epochs_completed,
        result.elapsed_seconds,
    )
