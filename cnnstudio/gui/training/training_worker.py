"""Runs an engine `TrainingSession` on a worker thread and hands its events to the GUI as Qt
signals.

The session is built on the GUI thread (validation is cheap once the engine has loaded, and the
caller gets a ValueError at once), then its `run()` blocks on a `TrainingWorker` thread. The session
calls `on_event` on that thread; nothing there touches a widget. Events reach the GUI thread in
order and are re-emitted there as the controller's `event` signal.

Why batch events are not each sent as a queued signal: measured here, a cross-thread emit costs
the training thread 0.15 ms with an idle GUI thread and 1.7 ms (up to 24 ms) while the GUI thread
runs Python (a chart redraw), because the emit gives up the GIL and must wait to get it back.
So `on_event` appends to a deque (about 3 us) and emits a queued wake-up only for the rare
events a person must see at once (start, epoch end, the end of the run); a GUI-thread timer
collects batch events `POLL_MS` apart, faster than the chart redraws. `emit_seconds` records the
time spent in `on_event`, for tests and the bench.

Stop, pause and resume go straight to the session, whose `threading.Event`s are made for being
set from another thread: stop takes effect at the end of the current group of batches. The
worker's own `stop()` stops the session too, so the closing window's `workers.stop_all` ends a
run the same way as the Stop button.
"""

from __future__ import annotations

import collections
import gc
import sys
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from cnnstudio.engine.training.events import BatchEnd, RunFailed
from cnnstudio.gui.workers import Worker

if TYPE_CHECKING:
    from cnnstudio.engine.training.session import RunResult, TrainingSession

# While training, the GIL is handed over after this long instead of Python's 5 ms: the training
# thread takes and drops the GIL around every TensorFlow call, and each time the GUI thread is
# running Python (a chart redraw) it would otherwise wait up to 5 ms for it.
SWITCH_INTERVAL_S = 0.001
# Batch events wait at most this long on the training thread's side (the engine sends ~12/s).
POLL_MS = 50


_frozen = False


def _freeze_long_lived_objects() -> None:
    """With TensorFlow loaded a full garbage collection walks ~400,000 objects (0.3-0.5 s here)
    holding the GIL, whichever thread triggers it: a visible GUI freeze. Before the first run
    the objects alive are long-lived (modules, the zoo); `gc.freeze` leaves them out of every
    later collection. Only once: later runs would also freeze the previous run's garbage.
    Collected first, once: otherwise the cyclic garbage of the models the picker built so far
    would be frozen with them and never freed."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


class TrainingWorker(Worker):
    """The training thread; owns the session while it runs. When the session's `run()` itself
    raises (it reports training errors as events), `failed(message)` comes instead of `done`."""

    # Queued to the GUI thread: events are waiting in `pending` and one of them matters now.
    wake = Signal()
    # The RunResult, after the final event.
    done = Signal(object)
    # Stop acts within a group of batches; the last checkpoint write may take a while.
    stop_timeout_ms = 120_000

    def __init__(self, session: TrainingSession, parent: QObject | None = None) -> None:
        super().__init__("trainingThread", parent)
        self.session = session
        session.observer = self  # the session calls on_event(event) on this thread
        # deque.append/popleft are atomic: the training thread appends, the GUI thread pops.
        self.pending: collections.deque[Any] = collections.deque()
        self.emit_seconds = 0.0
        self.events = 0

    def on_event(self, event: Any) -> None:  # the training thread
        begin = time.perf_counter()
        self.pending.append(event)
        if not isinstance(event, BatchEnd):
            self.wake.emit()
        self.emit_seconds += time.perf_counter() - begin
        self.events += 1

    def work(self) -> None:  # the training thread
        from cnnstudio.engine.training.launch import run_training

        result: RunResult = run_training(self.session)
        self.done.emit(result)

    def stop(self) -> None:
        super().stop()
        if self.session is not None:  # None once the run has ended and been released
            self.session.stop()


class TrainingController(QObject):
    """Starts one session at a time on its own worker thread; forwards stop, pause and resume."""

    event = Signal(object)  # re-emitted on the GUI thread
    finished = Signal(object)  # RunResult or None, once the thread has ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker: TrainingWorker | None = None
        self._result: Any = None
        self.session: TrainingSession | None = None
        # The last run's event count and seconds spent emitting them (on the training thread).
        self.last_stats: dict[str, float] = {"events": 0, "emit_seconds": 0.0}
        self._poll = QTimer(self, objectName="trainingEventPoll")
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._drain)

    def start(self, session: TrainingSession) -> None:
        if self.is_running():
            raise RuntimeError("a training run is already in progress")
        self.session = session
        self._result = None
        worker = TrainingWorker(session, self)
        worker.wake.connect(self._drain)  # worker thread -> this object's (GUI) thread: queued
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        worker.finished.connect(self._on_thread_finished)
        self._worker = worker
        self._poll.start()
        _freeze_long_lived_objects()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL_S))
        worker.start()

    def is_running(self) -> bool:
        return self._worker is not None

    @property
    def worker(self) -> TrainingWorker | None:
        return self._worker

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        elif self.session is not None:
            self.session.stop()

    def pause(self) -> bool:
        """False when there is no session or it is stopping (stop wins over pause)."""
        return self.session.pause() if self.session is not None else False

    def is_stopping(self) -> bool:
        return self.is_running() and self.session is not None and self.session.stop_requested

    def resume(self) -> None:
        if self.session is not None:
            self.session.resume()

    def wait(self, timeout_ms: int) -> bool:
        """Block until the training thread has ended (True) or `timeout_ms` passed (False).
        Events it sent meanwhile are delivered by the event loop afterwards, in order."""
        worker = self._worker
        if worker is None:
            return True
        if not worker.wait_for(timeout_ms):
            return False
        # Deliver the queued events and the end of the thread now, so that the caller sees
        # the final state (is_running() False, the run's status) as soon as this returns.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall.value)
        return True

    def _drain(self) -> None:
        """Re-emit, in order, every event the training thread has left (GUI thread)."""
        worker = self._worker
        while worker is not None and worker.pending:
            self.event.emit(worker.pending.popleft())

    def _on_done(self, result: Any) -> None:
        self._result = result

    def _on_failed(self, message: str) -> None:
        """`run()` itself raised: after the events it sent, the run failed (result None)."""
        self._drain()
        self.event.emit(RunFailed(None, message))

    def _on_thread_finished(self) -> None:
        self._drain()
        self._poll.stop()
        sys.setswitchinterval(self._switch_interval)
        worker, self._worker = self._worker, None
        if worker is not None:
            self.last_stats = {"events": worker.events, "emit_seconds": worker.emit_seconds}
            worker.session = None
            worker.deleteLater()
        # The ended run's model, optimizer slots, data and compiled functions go now, not when
        # the next run starts: the result, run.json and the history keep what was learnt.
        self.session = None
        self.finished.emit(self._result)
