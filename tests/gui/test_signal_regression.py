"""Regression guard for PySide6-Essentials 6.12.0, which aborts CPython 3.11 with
`Fatal Python error: bool_dealloc` after a few thousand emits into a Python slot.

The emits run in a child process so that an abort fails this test instead of killing pytest.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

EMITS = 100_000

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

    EMITS = int(sys.argv[1])

    class Emitter(QObject):
        value = Signal(int)
        flag = Signal(bool)

        @Slot()
        def run(self):
            for i in range(EMITS):
                self.value.emit(i)
                self.flag.emit(i % 2 == 0)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.values = 0
            self.flags = 0

        @Slot(int)
        def on_value(self, _):
            self.values += 1

        @Slot(bool)
        def on_flag(self, _):
            self.flags += 1
            if self.flags == EMITS and QThread.currentThread() is app.thread():
                app.quit()

    app = QCoreApplication([])

    # One thread: direct connections.
    same = Emitter()
    local = Receiver()
    same.value.connect(local.on_value)
    same.flag.connect(local.on_flag)
    same.run()
    assert (local.values, local.flags) == (EMITS, EMITS), (local.values, local.flags)

    # Across threads: queued connections into the main thread's event loop.
    thread = QThread()
    remote = Emitter()
    remote.moveToThread(thread)
    receiver = Receiver()
    remote.value.connect(receiver.on_value)
    remote.flag.connect(receiver.on_flag)
    thread.started.connect(remote.run)
    QTimer.singleShot(120_000, app.quit)  # never hang CI
    thread.start()
    app.exec()
    thread.quit()
    thread.wait()
    assert (receiver.values, receiver.flags) == (EMITS, EMITS), (receiver.values, receiver.flags)
    print("ok", receiver.values + local.values)
    """
)


def test_hundred_thousand_emits_into_python_slots_do_not_abort():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(EMITS)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok", str(2 * EMITS)]
