"""The one base for "newest request wins" workers (graph, picker figures, pad recognition)."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal

from cnnstudio.gui.workers import LatestRequestWorker


class Recorder(LatestRequestWorker):
    """Handles requests one at a time; the first waits at a gate so others can pile up."""

    done = Signal(str, object)
    slots = ("urgent", "normal")

    def __init__(self) -> None:
        super().__init__("recorder")
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.handled: list[tuple[str, object]] = []

    def handle(self, slot, request):
        self.entered.set()
        self.gate.wait(30)
        if request == "boom":
            raise ValueError("a bad request")
        self.handled.append((slot, request))
        self.done.emit(slot, request)


def test_a_burst_of_requests_is_served_by_the_last_one(qtbot):
    worker = Recorder()
    worker.offer("first", "normal")
    assert worker.entered.wait(30)  # "first" is in hand, the gate holds it
    for index in range(100):
        worker.offer(index, "normal")
    worker.gate.set()
    qtbot.waitUntil(worker.idle, timeout=30_000)
    assert worker.handled == [("normal", "first"), ("normal", 99)]
    worker.stop_and_wait()


def test_the_first_slot_goes_first_and_put_back_never_overrides_a_newer_request(qtbot):
    worker = Recorder()
    worker.offer("hold", "normal")
    assert worker.entered.wait(30)
    worker.offer("later", "normal")
    worker.offer("now", "urgent")
    worker.put_back("normal", "older rest")  # a newer request waits there: kept
    worker.gate.set()
    qtbot.waitUntil(worker.idle, timeout=30_000)
    assert worker.handled == [("normal", "hold"), ("urgent", "now"), ("normal", "later")]
    worker.stop_and_wait()


def test_a_failing_request_is_reported_and_the_next_is_served(qtbot):
    worker = Recorder()
    worker.gate.set()
    with qtbot.waitSignal(worker.failed, timeout=30_000) as failed:
        worker.offer("boom", "normal")
    assert "a bad request" in failed.args[0]
    with qtbot.waitSignal(worker.done, timeout=30_000):
        worker.offer("fine", "normal")
    worker.stop_and_wait()


def test_stop_drops_what_waits_and_ends_after_the_request_in_hand(qtbot):
    worker = Recorder()
    worker.offer("in hand", "normal")
    assert worker.entered.wait(30)
    worker.offer("waiting", "normal")
    worker.stop()
    assert worker.waiting("normal") is None and worker.newer_waiting() is False
    worker.gate.set()
    assert worker.wait_for(30_000)
    assert worker.handled == [("normal", "in hand")]
