"""The confusion matrix as a heat map: true classes in rows, predicted classes in columns.

Two colour scales, because one hides the errors: with 10 classes the diagonal holds ~95 % of the
images and every mistake would be near-white. The diagonal is blue by the share of its class
predicted right; the errors are red by their count (or share) against the largest error, so the
most frequent confusion is always the darkest red. Counts or row shares are written in the cells
when they fit; hovering a cell says "true A, predicted B: n images (p %)", and a click asks for
that cell's images (`cellClicked(true, predicted)`).

Class names: written along both axes, columns rotated when they are wider than a cell, cut to
fit with "…" (the tooltip has the whole name); with many classes (100 in a few hundred pixels)
only every k-th name is written, so the names never overlap and the matrix stays usable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from cnnstudio.engine.insight.galleries import row_normalised
from cnnstudio.gui.widgets.tooltips import show_spot_tooltip
from cnnstudio.i18n import _, ngettext

LABEL_MAX = 110  # pixels of a class name on an axis; longer names are cut (whole in tooltips)
_WHITE = QColor("#ffffff")
_RIGHT = QColor("#08519c")  # the diagonal, at a share of 1
_WRONG = QColor("#b2182b")  # the most frequent error


def _mix(strength: float, colour: QColor) -> QColor:
    t = min(1.0, max(0.0, strength))
    return QColor(
        round(255 + (colour.red() - 255) * t),
        round(255 + (colour.green() - 255) * t),
        round(255 + (colour.blue() - 255) * t),
    )


class ConfusionMatrix(QWidget):
    cellClicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionMatrix")
        self.setAccessibleName(_("Confusion matrix"))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows move, Enter opens (keyboard)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.counts: list[list[int]] = []
        self.shares: list[list[float]] = []
        self.names: list[str] = []
        self.normalised = False
        self.selected: tuple[int, int] | None = None
        self._hover: tuple[int, int] | None = None

    # -- content --------------------------------------------------------------------------------

    def set_matrix(self, counts: Sequence[Sequence[int]], class_names: Sequence[str]) -> None:
        self.counts = [list(row) for row in counts]
        self.shares = row_normalised(self.counts)
        self.names = [str(name) for name in class_names]
        self.selected = self._hover = None
        self.updateGeometry()
        self.update()

    def set_normalised(self, normalised: bool) -> None:
        self.normalised = bool(normalised)
        self.update()

    def select(self, true: int, predicted: int) -> None:
        self.selected = (true, predicted)
        self.update()

    def text(self, true: int, predicted: int) -> str:
        """What the cell shows: its count, or its share of the true class in percent."""
        if self.normalised:
            return _("{share:.0%}").format(share=self.shares[true][predicted])
        return str(self.counts[true][predicted])

    def tooltip(self, true: int, predicted: int) -> str:
        count = self.counts[true][predicted]
        return ngettext(
            "true {true}, predicted {predicted}: {count} image ({share:.1%})",
            "true {true}, predicted {predicted}: {count} images ({share:.1%})",
            count,
        ).format(
            true=self.names[true],
            predicted=self.names[predicted],
            count=count,
            share=self.shares[true][predicted],
        )

    # -- geometry -------------------------------------------------------------------------------

    def _layout(self) -> tuple[int, int, float, bool]:
        """(left, top, cell side, columns rotated): where the matrix's first cell starts. The
        side is fractional, so 100 classes fill the room instead of a floor of 3 px each."""
        metrics = self.fontMetrics()
        band = metrics.height() + 6  # an axis title
        widest = max((metrics.horizontalAdvance(name) for name in self.names), default=0)
        label = self._label_width()
        n = max(1, len(self.counts))

        def side(top: int) -> float:
            room = min(self.width() - band - label - 4, self.height() - top - 4)
            return max(2.0, room / n)

        flat = band + metrics.height() + 4
        top = flat if widest + 4 <= side(flat) else band + label  # names flat, or rotated
        cell = side(top)
        # Centred across a pane wider than tall: the spare width on both sides, not one.
        offset = max(0, int((self.width() - band - label - 4 - n * cell) / 2))
        return offset + band + label, top, cell, top != flat

    def _label_width(self) -> int:
        """Room for the class names on the left (and, rotated, above)."""
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(name) for name in self.names), default=0)
        return min(LABEL_MAX, widest + 8)

    def cell_rectf(self, true: int, predicted: int) -> QRectF:
        left, top, cell, _rotated = self._layout()
        return QRectF(left + predicted * cell, top + true * cell, cell, cell)

    def cell_rect(self, true: int, predicted: int) -> QRect:
        """The cell in whole pixels (its inside: a point in it is in no other cell)."""
        rect = self.cell_rectf(true, predicted)
        return QRect(
            math.ceil(rect.left()),
            math.ceil(rect.top()),
            max(1, math.floor(rect.right()) - math.ceil(rect.left())),
            max(1, math.floor(rect.bottom()) - math.ceil(rect.top())),
        )

    def cell_at(self, point: QPoint) -> tuple[int, int] | None:
        if not self.counts:
            return None
        left, top, cell, _rotated = self._layout()
        n = len(self.counts)
        column, row = math.floor((point.x() - left) / cell), math.floor((point.y() - top) / cell)
        if not (0 <= row < n and 0 <= column < n):
            return None
        return row, column

    def _label_at(self, point: QPoint) -> str | None:
        """The whole class name under the pointer on either axis (names may be cut)."""
        if not self.counts:
            return None
        left, top, cell, _rotated = self._layout()
        n = len(self.counts)
        if point.x() < left and top <= point.y() < top + n * cell:
            row = min(n - 1, math.floor((point.y() - top) / cell))
            return _("True class: {name}").format(name=self.names[row])
        if point.y() < top and left <= point.x() < left + n * cell:
            column = min(n - 1, math.floor((point.x() - left) / cell))
            return _("Predicted class: {name}").format(name=self.names[column])
        return None

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 200)

    # -- events ---------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.pos())
            text = self.tooltip(*cell) if cell is not None else self._label_at(event.pos())
            return show_spot_tooltip(self, event, text)
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hover = self.cell_at(event.position().toPoint())
        if hover != self._hover:
            self._hover = hover
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow keys move the chosen cell, Enter or Space shows its images."""
        n = len(self.counts)
        moves = {
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
        }
        key = Qt.Key(event.key())
        if n and key in moves:
            true, predicted = self.selected or (0, 0)
            step = moves[key]
            self.select(min(n - 1, max(0, true + step[0])), min(n - 1, max(0, predicted + step[1])))
            return
        if n and self.selected and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.cellClicked.emit(*self.selected)
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and cell is not None:
            self.select(*cell)
            self.cellClicked.emit(*cell)
            return
        super().mousePressEvent(event)

    # -- painting -------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        if not self.counts:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, _("No evaluation yet"))
            return
        left, top, cell, rotated = self._layout()
        n = len(self.counts)
        metrics = painter.fontMetrics()
        line = metrics.height()
        band = line + 6
        values = self.shares if self.normalised else self.counts
        worst = max(
            (values[t][p] for t in range(n) for p in range(n) if t != p and values[t][p] > 0),
            default=0,
        )
        for t in range(n):
            for p in range(n):
                rect = QRectF(left + p * cell, top + t * cell, cell, cell)
                if t == p:
                    strength = self.shares[t][p]
                    colour = _mix(strength, _RIGHT)
                else:
                    strength = values[t][p] / worst if worst else 0.0
                    colour = _mix(strength, _WRONG)
                # Rounded out to whole pixels: fractional edges would leave hairlines between.
                painter.fillRect(rect.toAlignedRect(), colour)
                text = self.text(t, p) if self.counts[t][p] else ""
                if text and metrics.horizontalAdvance(text) + 4 <= cell and line <= cell:
                    painter.setPen(_WHITE if strength > 0.55 else QColor("#202020"))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.drawRect(QRectF(left, top, n * cell, n * cell))
        for marked, width in ((self._hover, 1), (self.selected, 3)):
            if marked is not None and max(marked) < n:
                painter.setPen(QPen(text_colour, width))
                painter.drawRect(self.cell_rectf(*marked))

        # Names on the axes: every k-th one where the cells are smaller than a line of text.
        painter.setPen(text_colour)
        step = max(1, math.ceil(line / cell))
        label = self._label_width() - 4
        x0 = left - label - 4 - band  # where the matrix's drawing starts (centred)
        for index in range(0, n, step):
            middle = index * cell + cell / 2  # of the row, and of the column
            name = metrics.elidedText(self.names[index], Qt.TextElideMode.ElideRight, label)
            row = QRectF(x0 + band, top + middle - line / 2, label, line)  # a line tall
            painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            if rotated:
                height = top - band - 4
                name = metrics.elidedText(self.names[index], Qt.TextElideMode.ElideRight, height)
                painter.save()
                # Read bottom to top, starting just above its column.
                painter.translate(left + middle, top - 4)
                painter.rotate(-90)
                painter.drawText(
                    QRectF(0, -line / 2, height, line),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    name,
                )
                painter.restore()
            else:
                column = QRectF(left + index * cell, band, cell, top - band)
                painter.drawText(column, Qt.AlignmentFlag.AlignCenter, self.names[index])

        # Axis titles: "Predicted class" across the top, "True class" up the left side.
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        # Centred on the matrix; a title longer than a small matrix runs past its ends.
        centred = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextDontClip
        painter.drawText(QRectF(left, 0, n * cell, band), centred, _("Predicted class"))
        painter.save()
        painter.translate(x0, top + n * cell)
        painter.rotate(-90)
        painter.drawText(QRectF(0, 0, n * cell, band), centred, _("True class"))
        painter.restore()
