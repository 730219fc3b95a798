"""A few digits as scripted strokes, for the screenshot, the latency benchmark and the tests.

Each digit is a list of strokes, each a polyline of (x, y) points relative to the canvas side
(0..1), the way a person writes it, densely enough that moves look like a real mouse's.
"""

from __future__ import annotations

import math

Polyline = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int) -> Polyline:
    """Points on an ellipse from angle `start` to `end` (degrees, clockwise on screen)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / (n - 1) for i in range(n))
    ]


def _line(a: tuple[float, float], b: tuple[float, float], n: int) -> Polyline:
    return [
        (a[0] + (b[0] - a[0]) * i / (n - 1), a[1] + (b[1] - a[1]) * i / (n - 1)) for i in range(n)
    ]


DIGITS: dict[str, list[Polyline]] = {
    "0": [_arc(0.5, 0.5, 0.2, 0.3, -90, 270, 40)],
    "1": [_line((0.42, 0.3), (0.52, 0.2), 6) + _line((0.52, 0.2), (0.52, 0.8), 24)],
    "2": [
        _arc(0.5, 0.35, 0.18, 0.15, 200, 380, 20)
        + _line((0.67, 0.4), (0.3, 0.8), 18)
        + _line((0.3, 0.8), (0.72, 0.8), 14)
    ],
    "3": [_arc(0.5, 0.34, 0.17, 0.14, 200, 450, 24) + _arc(0.5, 0.64, 0.19, 0.16, -90, 160, 24)],
    "7": [_line((0.3, 0.22), (0.7, 0.22), 14) + _line((0.7, 0.22), (0.45, 0.8), 22)],
}


def play(canvas, digit: str) -> None:
    """Draw a scripted digit on a `PadCanvas` through its stroke methods (no events)."""
    from PySide6.QtCore import QPointF

    rect = canvas._image_rect()
    for polyline in DIGITS[digit]:
        points = [
            QPointF(rect.left() + x * rect.width(), rect.top() + y * rect.height())
            for x, y in polyline
        ]
        canvas.begin_stroke(points[0])
        for point in points[1:]:
            canvas.extend_stroke(point)
        canvas.end_stroke()
