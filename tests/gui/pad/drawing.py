"""Drawing on the pad in tests: strokes as real mouse events (press, a move per point, release)
at points given relative to the canvas square (0..1)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt


def canvas_point(canvas, x: float, y: float) -> QPoint:
    rect = canvas._image_rect()
    return QPoint(round(rect.left() + x * rect.width()), round(rect.top() + y * rect.height()))


def draw(qtbot, canvas, polyline, *, release: bool = True) -> None:
    """One stroke with real mouse events: press, a move per point, release."""
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas_point(canvas, *polyline[0]))
    for x, y in polyline[1:]:
        qtbot.mouseMove(canvas, canvas_point(canvas, x, y))
    if release:
        end = canvas_point(canvas, *polyline[-1])
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
