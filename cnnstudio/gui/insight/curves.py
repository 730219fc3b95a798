"""The evaluation's two curves, painted with QPainter (a few hundred points each: matplotlib's
start-up and its fonts would cost more than the drawing).

* `ReliabilityDiagram`: per confidence bin, the accuracy of its images (bars) against the
  diagonal of perfect calibration, the gap to the bin's mean confidence in red (Guo et al. 2017);
  the expected calibration error in the title.
* `PrecisionRecallChart`: one-vs-rest precision-recall curves, drawn as the steps whose area is
  the average precision, with each class's AP in the legend. Colours are a qualitative palette
  (matplotlib's tab10); beyond ten classes the ten of lowest AP are drawn, the ones to look at.

Both read the figures as untrusted values: an entry that is not a finite number is passed over.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.gui.widgets.chart_data import PALETTE
from cnnstudio.i18n import _

# The app's one qualitative palette: ten colours told apart at a glance.
PALETTE10 = PALETTE
MAX_CURVES = len(PALETTE10)
MAX_POINTS = 1500  # per curve: more than the plot's width in pixels


def _unit(value: Any) -> float | None:
    """A finite number in [0, 1], or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


class _UnitPlot(QWidget):
    """Axes from 0 to 1 on both sides, with a title and axis names; subclasses draw inside."""

    def __init__(self, title: str, x_name: str, y_name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.title, self.x_name, self.y_name = title, x_name, y_name
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(400, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 200)

    def legend_width(self) -> int:
        return 0

    def key_lines(self) -> int:
        """Lines of a key between the title and the plot."""
        return 0

    def plot_rect(self) -> QRect:
        metrics = self.fontMetrics()
        line = metrics.height()
        left = line + 6 + metrics.horizontalAdvance("0.00") + 8
        top, bottom = line + 10 + self.key_lines() * (line + 4), 2 * line + 12
        right = 12 + self.legend_width()
        return QRect(
            left, top, max(20, self.width() - left - right), max(20, self.height() - top - bottom)
        )

    def to_screen(self, rect: QRect, x: float, y: float) -> QPointF:
        return QPointF(rect.left() + x * rect.width(), rect.bottom() - y * rect.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = palette.color(QPalette.ColorRole.Midlight)
        rect = self.plot_rect()
        metrics = painter.fontMetrics()
        line = metrics.height()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Base))
        for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
            x = self.to_screen(rect, tick, 0).x()
            y = self.to_screen(rect, 0, tick).y()
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            painter.setPen(text)
            label = f"{tick:g}"
            painter.drawText(
                QRectF(x - 30, rect.bottom() + 2, 60, line), Qt.AlignmentFlag.AlignHCenter, label
            )
            painter.drawText(
                QRectF(0, y - line / 2, rect.left() - 4, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        self.draw_content(painter, rect)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
        painter.setPen(text)
        no_clip = Qt.TextFlag.TextDontClip
        painter.drawText(
            QRect(rect.left(), rect.bottom() + line + 4, rect.width(), line),
            Qt.AlignmentFlag.AlignCenter | no_clip,
            self.x_name,
        )
        painter.save()
        painter.translate(0, rect.bottom())
        painter.rotate(-90)
        painter.drawText(
            QRect(0, 0, rect.height(), line), Qt.AlignmentFlag.AlignCenter | no_clip, self.y_name
        )
        painter.restore()
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        room = self.width() - rect.left() - 4
        painter.drawText(
            QRect(rect.left(), 2, room, line + 4),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(self.title_text(), Qt.TextElideMode.ElideRight, room),
        )

    def title_text(self) -> str:
        return self.title

    def draw_content(self, painter: QPainter, rect: QRect) -> None:
        raise NotImplementedError


class ReliabilityDiagram(_UnitPlot):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Reliability"), _("Confidence"), _("Accuracy"), parent)
        self.setObjectName("reliabilityDiagram")
        self.setAccessibleName(_("Reliability diagram"))
        self.bins: list[tuple[float, float, float, float]] = []  # lower, upper, conf., acc.
        self.error: float | None = None

    def set_bins(self, bins: Sequence[Any], calibration_error: Any) -> None:
        self.bins = []
        for entry in bins if isinstance(bins, (list, tuple)) else []:
            if not isinstance(entry, dict) or not entry.get("count"):
                continue
            values = [_unit(entry.get(k)) for k in ("lower", "upper", "confidence", "accuracy")]
            if None not in values:
                self.bins.append(tuple(values))  # type: ignore[arg-type]
        self.error = _unit(calibration_error)
        self.update()

    def title_text(self) -> str:
        if self.error is None:
            return self.title
        return _("Reliability (ECE {error:.3f})").format(error=self.error)

    def _keys(self) -> list[str]:
        return [_("accuracy of the bin"), _("gap to its confidence")]

    def key_lines(self) -> int:
        """One line when both entries fit beside each other, else one each (a long language)."""
        metrics = self.fontMetrics()
        left = metrics.height() + 14 + metrics.horizontalAdvance("0.00")
        needed = sum(34 + metrics.horizontalAdvance(key) for key in self._keys())
        return 1 if needed <= self.width() - left else 2

    def draw_content(self, painter: QPainter, rect: QRect) -> None:
        accuracy_colour, gap_colour = QColor(PALETTE10[0]), QColor(PALETTE10[3])
        # The gap is hatched, not filled: over a bar (an under-confident bin) the bar still shows.
        gap_pen, gap_brush = QPen(gap_colour, 1), QBrush(gap_colour, Qt.BrushStyle.BDiagPattern)
        for lower, upper, _confidence, accuracy in self.bins:
            top_left = self.to_screen(rect, lower, accuracy)
            bottom_right = self.to_screen(rect, upper, 0.0)
            painter.fillRect(QRectF(top_left, bottom_right).adjusted(1, 0, -1, 0), accuracy_colour)
        painter.setPen(gap_pen)
        painter.setBrush(gap_brush)
        for lower, upper, confidence, accuracy in self.bins:
            low, high = sorted((accuracy, confidence))
            gap = QRectF(self.to_screen(rect, lower, high), self.to_screen(rect, upper, low))
            painter.drawRect(gap.adjusted(1, 0, -1, 0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(QPen(text, 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(self.to_screen(rect, 0, 0), self.to_screen(rect, 1, 1))
        # The key, between the title and the plot (inside, it would hide bars): one line, or
        # one line per entry where they do not fit beside each other.
        metrics = painter.fontMetrics()
        step = metrics.height() + 4
        lines = self.key_lines()
        x, y = rect.left(), rect.top() - lines * step - 2
        for name, draw in zip(
            self._keys(),
            (lambda r: painter.fillRect(r, accuracy_colour), lambda r: painter.drawRect(r)),
            strict=True,
        ):
            painter.setPen(gap_pen)
            painter.setBrush(gap_brush)
            draw(QRect(x, y + 4, 12, step - 8))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(text)
            room = max(0, self.width() - x - 22)
            name = metrics.elidedText(name, Qt.TextElideMode.ElideRight, room)
            painter.drawText(
                QRect(x + 18, y, room, step),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                name,
            )
            if lines == 1:
                x += 18 + metrics.horizontalAdvance(name) + 16
            else:
                y += step


class PrecisionRecallChart(_UnitPlot):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Precision-recall (one class vs rest)"), _("Recall"), _("Precision"), parent
        )
        self.setObjectName("precisionRecallChart")
        self.setAccessibleName(_("Precision-recall curves"))
        # Shown curves: (class name, average precision, [(recall, precision)] as steps).
        self.curves: list[tuple[str, float, list[tuple[float, float]]]] = []
        self.total = 0

    def set_curves(self, curves: Sequence[Any], class_names: Sequence[str]) -> None:
        found = []
        for index, entry in enumerate(curves if isinstance(curves, (list, tuple)) else []):
            if not isinstance(entry, dict) or index >= len(class_names):
                continue
            ap = _unit(entry.get("average_precision"))
            precision, recall = entry.get("precision"), entry.get("recall")
            if ap is None or not isinstance(precision, list) or not isinstance(recall, list):
                continue
            found.append((str(class_names[index]), ap, _steps(recall, precision)))
        self.total = len(found)
        if len(found) > MAX_CURVES:
            found = sorted(found, key=lambda curve: curve[1])[:MAX_CURVES]
        self.curves = found
        self.update()

    def title_text(self) -> str:
        if self.total > MAX_CURVES:
            return _("Precision-recall: the {count} classes of lowest AP").format(count=MAX_CURVES)
        return self.title

    def legend_width(self) -> int:
        if not self.curves:
            return 0
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(self._entry(c)) for c in self.curves) + 26
        return min(widest, self.width() // 3)

    def _entry(self, curve: tuple[str, float, list]) -> str:
        return _("{name} (AP {ap:.3f})").format(name=curve[0], ap=curve[1])

    def draw_content(self, painter: QPainter, rect: QRect) -> None:
        metrics = painter.fontMetrics()
        line = metrics.height()
        x, y = rect.right() + 10, rect.top()
        room = self.width() - x - 18
        for index, curve in enumerate(self.curves):
            colour = QColor(PALETTE10[index % len(PALETTE10)])
            painter.setPen(QPen(colour, 1.6))
            painter.drawPolyline(QPolygonF([self.to_screen(rect, r, p) for r, p in curve[2]]))
            painter.fillRect(QRect(x, y + line // 2 - 1, 12, 3), colour)
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            painter.drawText(
                QRect(x + 16, y, room, line), Qt.AlignmentFlag.AlignLeft, self._fitted(curve, room)
            )
            y += line + 2

    def _fitted(self, curve: tuple[str, float, list], room: int) -> str:
        """The legend entry in `room` pixels: the class name is cut, never its AP."""
        metrics = self.fontMetrics()
        whole = self._entry(curve)
        if metrics.horizontalAdvance(whole) <= room:
            return whole
        rest = metrics.horizontalAdvance(self._entry(("", curve[1], [])))
        name = metrics.elidedText(curve[0], Qt.TextElideMode.ElideRight, max(0, room - rest))
        return self._entry((name, curve[1], []))


def _steps(recall: list, precision: list) -> list[tuple[float, float]]:
    """The step curve whose area is the average precision: precision P_n from R_n-1 to R_n."""
    pairs = [
        (r, p)
        for r, p in zip((_unit(v) for v in recall), (_unit(v) for v in precision), strict=False)
        if r is not None and p is not None
    ]
    if len(pairs) > MAX_POINTS:
        stride = math.ceil(len(pairs) / MAX_POINTS)
        pairs = [*pairs[::stride], pairs[-1]]
    points: list[tuple[float, float]] = []
    previous = 0.0
    for r, p in pairs:
        points += [(previous, p), (r, p)]
        previous = r
    return points
