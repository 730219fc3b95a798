"""Benchmark `pad`: how fast the drawing pad answers, and whether drawing stutters meanwhile.

`measure_pad_latency()` shows the "Draw" view (offscreen) with the bundled LeNet-5 and replays
the scripted digits of `cnnstudio.gui.pad.demo_digits` as real mouse events (press, a move every
`MOVE_MS` like a 125 Hz mouse, release), with a pause between strokes as a person makes. The pad
recognises during each stroke (throttled) and after it, on its worker thread, with the feature
maps. Measured:

* latency: from the release of a stroke to the bars showing that stroke (`DrawingPad.latencies_ms`:
  the release handler stamps the time, the bars' update reads it); p50, p95, max. Target (issue
  12): p95 <= 30 ms.
* paint gaps: the time between successive paint events of the canvas while the pen moves (each
  move asks for a repaint), with recognition running; rounds without recognition, alternating
  with them, give the machine's own gaps for comparison (on a shared 2-core machine other
  processes alone stall a process for 100-200 ms now and then). Targets: p99 <= 50 ms (20 frames
  a second), max <= 250 ms (the app's bound on a GUI stall, as in benchmarks/gui_training.py).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from typing import Any

from benchmarks import Check, benchmark
from benchmarks.gui_training import _application as gui_application
from benchmarks.gui_training import _percentile

MOVE_MS = 8
PAUSE_MS = 150
TARGET_P95_MS = 30.0
TARGET_GAP_P99_MS = 50.0  # 20 frames a second: slower, a stroke visibly lags the pen
TARGET_GAP_MAX_MS = 250.0  # the app's bound on any GUI stall (benchmarks/gui_training.py)


def _application():
    # Offscreen even with a display, as the README's figures were measured.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return gui_application()


def _events(pad: Any, rounds: int) -> list[tuple[str, Any]]:
    """The script: ("recognition", on), ("clear", None), ("press"|"move"|"release", QPointF),
    ("pause", ms)."""
    from PySide6.QtCore import QPointF

    from cnnstudio.gui.pad.demo_digits import DIGITS

    rect = pad.canvas._image_rect()
    script: list[tuple[str, Any]] = []
    for index in range(rounds):
        # Rounds alternate with recognition on and off: the paint gaps of the rounds without it
        # are the machine's own (a shared machine's other processes), the baseline.
        script.append(("recognition", index % 2 == 0))
        for strokes in DIGITS.values():
            script.append(("clear", None))
            for polyline in strokes:
                points = [
                    QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())
                    for x, y in polyline
                ]
                script.append(("press", points[0]))
                script += [("move", point) for point in points[1:]]
                script.append(("release", points[-1]))
                script.append(("pause", PAUSE_MS))
    return script


def measure_pad_latency(rounds: int = 16) -> dict[str, Any]:
    app = _application()
    import keras  # noqa: F401  (what the app's engine loader does before engineReady)
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QPointF, Qt, QTimer
    from PySide6.QtGui import QMouseEvent

    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.pad.pad_view import DrawingPad

    context = StudioContext()
    context.mark_engine_ready()
    pad = DrawingPad(context)
    pad.resize(1280, 760)
    pad.show()
    deadline = time.monotonic() + 120
    while pad.model_info is None and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if pad.model_info is None:
        raise RuntimeError("the pad's model did not load within 2 minutes")

    paints: list[tuple[float, bool, bool]] = []  # (time, a stroke in progress, recognition on)
    recognising = {"on": True}

    class PaintClock(QObject):
        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint:
                paints.append((time.perf_counter(), pad.canvas.drawing(), recognising["on"]))
            return False

    clock = PaintClock()
    pad.canvas.installEventFilter(clock)
    script = _events(pad, rounds)
    timer = QTimer(interval=MOVE_MS)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    # The app's own way of waiting: the GUI thread sleeps in Qt's event loop and wakes for the
    # next mouse event or the worker's answer (no polling loop adding latency of its own).
    loop = QEventLoop()
    waiting_until = {"t": 0.0}

    def mouse(kind: QEvent.Type, point: QPointF, buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(
            kind,
            point,
            pad.canvas.mapToGlobal(point),
            Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        app.sendEvent(pad.canvas, event)

    def step() -> None:
        if time.perf_counter() < waiting_until["t"]:
            return
        if not script:
            timer.stop()
            loop.quit()
            return
        kind, value = script.pop(0)
        if kind == "recognition":
            if value != recognising["on"]:
                connect = pad.canvas.changed.connect if value else pad.canvas.changed.disconnect
                connect(pad._on_canvas_changed)
            recognising["on"] = value
        elif kind == "clear":
            pad.canvas.clear()
        elif kind == "press":
            mouse(QEvent.Type.MouseButtonPress, value, Qt.MouseButton.LeftButton)
        elif kind == "move":
            mouse(QEvent.Type.MouseMove, value, Qt.MouseButton.LeftButton)
        elif kind == "release":
            mouse(QEvent.Type.MouseButtonRelease, value, Qt.MouseButton.NoButton)
        else:
            waiting_until["t"] = time.perf_counter() + value / 1000

    timer.timeout.connect(step)
    timer.start()
    began = time.perf_counter()
    loop.exec()
    wall = time.perf_counter() - began
    end = time.monotonic() + 1.0
    while time.monotonic() < end:  # the last answer
        app.processEvents()
        time.sleep(0.005)
    pad.shutdown()
    pad.close()

    def gaps(on: bool) -> list[float]:
        return [
            1000 * (b[0] - a[0])
            for a, b in itertools.pairwise(paints)
            if a[1] and b[1] and a[2] == b[2] == on
        ]

    latencies = pad.latencies_ms
    with_recognition, without = gaps(True), gaps(False)
    # The worst gaps with recognition, (perf_counter at their start, ms), to tell their cause.
    worst = sorted(
        (
            (1000 * (b[0] - a[0]), a[0])
            for a, b in itertools.pairwise(paints)
            if a[1] and b[1] and a[2] == b[2] is True
        ),
        reverse=True,
    )[:5]
    return {
        "strokes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": _percentile(latencies, 0.95),
        "max_ms": max(latencies),
        "paints_while_drawing": len(with_recognition),
        "gap_p99_ms": _percentile(with_recognition, 0.99),
        "gap_max_ms": max(with_recognition, default=float("nan")),
        "baseline_gap_p99_ms": _percentile(without, 0.99),
        "baseline_gap_max_ms": max(without, default=float("nan")),
        "wall_s": wall,
        "worst_gaps": [(at, ms) for ms, at in worst],
    }


@benchmark("pad")
def pad_latency(args: argparse.Namespace) -> list[Check]:
    result = measure_pad_latency()
    print(
        f"pad: {result['strokes']} scripted strokes on the offscreen pad (bundled LeNet-5, moves "
        f"every {MOVE_MS} ms, feature maps on), {result['wall_s']:.0f} s"
    )
    print(
        f"  stroke end -> bars: p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
        f"max {result['max_ms']:.1f} ms"
    )
    print(
        f"  paint gaps while drawing: with recognition p99 {result['gap_p99_ms']:.1f} ms, max "
        f"{result['gap_max_ms']:.1f} ms ({result['paints_while_drawing']} gaps); without it "
        f"(the machine's own) p99 {result['baseline_gap_p99_ms']:.1f} ms, max "
        f"{result['baseline_gap_max_ms']:.1f} ms"
    )
    p95, p99, worst = result["p95_ms"], result["gap_p99_ms"], result["gap_max_ms"]
    return [
        Check(
            "pad: stroke end to bars, 95th percentile",
            p95,
            f"<= {TARGET_P95_MS:.0f} ms",
            p95 <= TARGET_P95_MS,
            " ms",
        ),
        Check(
            "pad: paint gap while drawing, 99th percentile",
            p99,
            f"<= {TARGET_GAP_P99_MS:.0f} ms",
            p99 <= TARGET_GAP_P99_MS,
            " ms",
        ),
        Check(
            "pad: worst paint gap while drawing",
            worst,
            f"<= {TARGET_GAP_MAX_MS:.0f} ms",
            worst <= TARGET_GAP_MAX_MS,
            " ms",
        ),
    ]
