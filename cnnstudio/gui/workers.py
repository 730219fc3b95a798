"""One base for every background job of the GUI, so that every thread starts, stops, fails and
ends the same way.

A `Worker` is a QThread whose `work()` runs on its own thread (DESIGN.md, example 4):

* `work()` touches no widget. It reports through the worker's signals; the worker object lives on
  the GUI thread, so Qt queues them to receivers there.
* `stop()` asks, from any thread, and returns at once. `work()` looks at `stopping()` (or a
  subclass extends `stop()` to wake what it waits on, or to stop the engine object it drives).
  Some work cannot be interrupted (importing TensorFlow, an export): it runs to its end.
* `stop_and_wait(timeout_ms)` waits a bounded time: `stop_timeout_ms`, set per kind of job.
* An exception escaping `work()` becomes `failed(message)` instead of a traceback on a thread that
  PySide prints and forgets, leaving the view waiting for ever.
* Every started worker stays in a registry until it has ended, and `stop_all()` stops and waits
  for all of them. The main window calls it once as it closes, so no thread outlives the window,
  whichever view started it.
"""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

# Started workers that may still be running; holding them also keeps an unparented worker's
# Python object (and so its QThread) alive until its thread has ended.
_live: set[Worker] = set()
_live_lock = threading.Lock()


class Worker(QThread):
    """Base of every background job: subclasses implement `work()` and add their own signals."""

    failed = Signal(str)  # the message of an exception that escaped `work()`

    # How long `stop_and_wait()` (and so the closing window) waits for this kind of job.
    stop_timeout_ms = 30_000

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._stop_requested = threading.Event()
        self.finished.connect(self._forget)  # queued: emitted on the worker's thread

    def start(self, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
        with _live_lock:
            _live.add(self)
        super().start(priority)

    def run(self) -> None:  # the worker thread
        try:
            self.work()
        except Exception as error:  # reported to the person through the view, never raised here
            self.failed.emit(self.describe_error(error))

    def work(self) -> None:
        """The job, on the worker thread: no widgets; results and progress as signals."""
        raise NotImplementedError

    def describe_error(self, error: Exception) -> str:
        return f"{type(error).__name__}: {error}"

    def stop(self) -> None:
        """Ask the job to end soon; returns at once (any thread)."""
        self._stop_requested.set()

    def stopping(self) -> bool:
        return self._stop_requested.is_set()

    def wait_for(self, timeout_ms: int | None = None) -> bool:
        """Wait until the thread has ended, at most `timeout_ms` (default `stop_timeout_ms`).
        True when it is not running."""
        limit = self.stop_timeout_ms if timeout_ms is None else timeout_ms
        return self.wait(max(0, int(limit)))

    def stop_and_wait(self, timeout_ms: int | None = None) -> bool:
        self.stop()
        return self.wait_for(timeout_ms)

    @Slot()
    def _forget(self) -> None:
        with _live_lock:
            _live.discard(self)


def live_workers() -> list[Worker]:
    """The workers whose thread is running now (the registry, pruned of those that ended)."""
    with _live_lock:
        ended = {w for w in _live if not shiboken6.isValid(w) or not w.isRunning()}
        _live.difference_update(ended)
        return list(_live)


def stop_all() -> list[Worker]:
    """Ask every running worker to stop, then wait for each (its own `stop_timeout_ms`).
    Returns those still running after their time (an interruptible job never is)."""
    workers = live_workers()
    for worker in workers:
        worker.stop()
    left = [worker for worker in workers if not worker.wait_for()]
    live_workers()  # prune the ones that ended
    return left


class LatestRequestWorker(Worker):
    """One long-lived thread that always works on the newest request: the base of every "newest
    wins" job (the graph, the picker's figures, the pad's recognition).

    Requests go into named slots (`slots`, highest priority first). `offer(request, slot)`
    replaces whatever waits in that slot (a person who clicks through five models wants the
    last one), the thread takes the waiting request of the first slot that has one and calls
    `handle(slot, request)` with no lock held. `newer_waiting()` lets a handler skip work that
    a newer request has made stale; `put_back(slot, rest)` returns what is left of a list of
    requests unless a newer one came meanwhile. An exception in one request is reported as
    `failed` and the thread serves the next. `stop()` drops what waits; the request in hand is
    the last.
    """

    slots: tuple[str, ...] = ("request",)
    # Started by the first `offer` at this priority; None: the owner calls `start()`.
    auto_start: QThread.Priority | None = QThread.Priority.LowPriority

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(name, parent)
        self._condition = threading.Condition()
        self._waiting: dict[str, object] = {}
        self._busy = False

    def offer(self, request: object, slot: str | None = None) -> None:
        """Serve `request` next in its slot, in place of any request still waiting there."""
        with self._condition:
            self._waiting[slot or self.slots[0]] = request
            self._condition.notify()
        if self.auto_start is not None and not self.isRunning() and not self.stopping():
            self.start(self.auto_start)

    def put_back(self, slot: str, request: object) -> None:
        """Return the rest of a request to its slot, unless a newer request waits there."""
        with self._condition:
            self._waiting.setdefault(slot, request)
            self._condition.notify()

    def waiting(self, slot: str | None = None) -> object | None:
        with self._condition:
            return self._waiting.get(slot or self.slots[0])

    def newer_waiting(self) -> bool:
        """A request waits in any slot (the one in hand is already stale)."""
        with self._condition:
            return bool(self._waiting)

    def idle(self) -> bool:
        """Nothing waiting and nothing in hand."""
        with self._condition:
            return not self._waiting and not self._busy

    def stop(self) -> None:
        super().stop()
        with self._condition:
            self._waiting.clear()
            self._condition.notify()

    def handle(self, slot: str, request: object) -> None:
        """Serve one request (worker thread: no widgets; results as signals)."""
        raise NotImplementedError

    def work(self) -> None:
        while True:
            with self._condition:
                while not self._waiting and not self.stopping():
                    self._condition.wait()
                if self.stopping():
                    return
                slot = next(name for name in self.slots if name in self._waiting)
                request = self._waiting.pop(slot)
                self._busy = True
            try:
                self.handle(slot, request)
            except Exception as error:  # one bad request must not end the service for good
                if not self.stopping():
                    self.failed.emit(self.describe_error(error))
            finally:
                with self._condition:
                    self._busy = False
