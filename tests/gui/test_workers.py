"""The one worker base: errors become signals, stop is a request, waits are bounded, signals
arrive on the GUI thread, and the closing main window leaves no worker running."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.shell.main_window import MainWindow
from cnnstudio.gui.workers import Worker, live_workers, stop_all


class Failing(Worker):
    def work(self) -> None:
        raise RuntimeError("the disk is full")


class UntilStopped(Worker):
    """Reports its thread, then works until asked to stop."""

    began = Signal(object)

    def work(self) -> None:
        self.began.emit(threading.get_ident())
        while not self.stopping():
            QThread.msleep(5)


class Stubborn(Worker):
    """Cannot be interrupted (as an import): it ends when its own time is up."""

    release = threading.Event()

    def work(self) -> None:
        self.release.wait(10)


def test_an_exception_in_a_worker_is_reported_as_a_signal(qtbot):
    worker = Failing("failing")
    with qtbot.waitSignal(worker.failed, timeout=5_000) as failed:
        worker.start()
    assert failed.args == ["RuntimeError: the disk is full"]
    assert worker.wait_for(5_000) and worker not in live_workers()


def test_stop_is_a_request_and_signals_arrive_on_the_gui_thread(qtbot):
    worker = UntilStopped("untilStopped")
    received = []
    worker.began.connect(lambda ident: received.append((ident, QThread.currentThread())))
    with qtbot.waitSignal(worker.began, timeout=5_000):
        worker.start()
    assert worker.isRunning() and worker in live_workers()
    ((ident, thread),) = received
    assert ident != threading.get_ident() and thread is QThread.currentThread()
    assert worker.stop_and_wait(5_000)
    assert not worker.isRunning() and worker not in live_workers()


def test_waits_are_bounded(qtbot):
    worker = Stubborn("stubborn")
    worker.start()
    try:
        assert not worker.stop_and_wait(50)  # still running: the wait gave up
        assert worker in live_workers()
    finally:
        Stubborn.release.set()
    assert worker.wait_for(5_000) and live_workers() == []


def test_closing_the_main_window_stops_and_waits_for_every_worker(qtbot):
    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    owned, loose = UntilStopped("owned", window), UntilStopped("loose")
    for worker in (owned, loose):
        with qtbot.waitSignal(worker.began, timeout=5_000):
            worker.start()
    window.close()
    assert not owned.isRunning() and not loose.isRunning()
    assert live_workers() == [] and stop_all() == []


def test_a_worker_that_outlives_its_wait_holds_the_app_until_it_ends(qtbot):
    release = threading.Event()

    class Unstoppable(Worker):
        stop_timeout_ms = 0  # the closing window gives up waiting at once

        def work(self) -> None:
            release.wait(60)

    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    window.show()
    worker = Unstoppable("unstoppable")
    worker.start()
    closes = []
    window.closed.connect(lambda: closes.append(True))
    try:
        window.close()
        # Quitting now would destroy a running QThread (Qt aborts): the window goes, the app
        # waits.
        assert closes == [] and worker.isRunning() and not window.isVisible()
    finally:
        release.set()
    qtbot.waitUntil(lambda: closes == [True], timeout=30_000)
    assert not worker.isRunning()
