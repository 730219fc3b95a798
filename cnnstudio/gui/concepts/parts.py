"""What the demonstrations share: the page frame (title, a few sentences, the live part), labelled
spin boxes, a grid of numbers and a bar chart on a log scale, all painted with QPainter.

Drawings have a fixed, small size so that every demonstration fits 1024 x 700 beside the list
of concepts; sentences wrap, so a longer language only makes a page taller (it scrolls).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from cnnstudio.i18n import _

# One palette for every page: what the current step reads, what it writes, what it leaves.
WINDOW = QColor(255, 196, 87)
OUTPUT = QColor(120, 190, 255)
MUTED = QColor(236, 236, 236)
PADDING = QColor(214, 214, 214)
INK = QColor(40, 40, 40)
ACCENT = QColor(215, 80, 60)
CALM = QColor(70, 130, 200)


def sentence(text: str = "", name: str = "") -> QLabel:
    """A wrapping label: the pages' sentences and every line with live numbers."""
    label = QLabel(text, wordWrap=True, objectName=name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DemoPage(QWidget):
    """A concept's page: its title, its sentences, then whatever the subclass adds to `body`."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        heading = QLabel(title, wordWrap=True, objectName="conceptTitle")
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        heading.setFont(font)
        layout.addWidget(heading)
        layout.addWidget(sentence(text, "conceptText"))
        self.body = QVBoxLayout()
        layout.addLayout(self.body)
        layout.addStretch(1)


def spin_row(
    name: str,
    grid: QGridLayout,
    row: int,
    column: int,
    label: str,
    limits: tuple[int, int],
    value: int,
    changed: Callable[[], None],
) -> QSpinBox:
    """A label and its spin box (named `name`) at (row, 2 * column) of a grid; `changed` on
    every new value."""
    box = QSpinBox(minimum=limits[0], maximum=limits[1], value=value, objectName=name)
    box.setAccessibleName(label)
    box.valueChanged.connect(lambda _value: changed())
    caption = QLabel(label, wordWrap=True)
    caption.setBuddy(box)
    grid.addWidget(caption, row, 2 * column)
    grid.addWidget(box, row, 2 * column + 1)
    return box


def number_text(value: float) -> str:
    """Whole numbers as they are; others with one decimal (two below 1)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}" if abs(value) < 1 else f"{value:.1f}"


class NumberGrid(QWidget):
    """A matrix of numbers in square cells; cells can be filled with a colour (`paint_cells`),
    and a NaN is an empty cell (an output not computed yet)."""

    def __init__(self, cell: int = 22, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = cell
        self.values = np.zeros((1, 1))
        self.colours: dict[tuple[int, int], QColor] = {}

    def set_values(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float)
        self.colours = {}
        self.updateGeometry()
        self.update()

    def paint_cells(self, cells: Sequence[tuple[int, int]], colour: QColor) -> None:
        for cell in cells:
            self.colours[cell] = colour
        self.update()

    def sizeHint(self) -> QSize:
        rows, columns = self.values.shape
        return QSize(columns * self.cell + 1, rows * self.cell + 1)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        font = QFont(self.font())
        font.setPixelSize(max(8, int(self.cell * 0.42)))
        painter.setFont(font)
        for (row, column), value in np.ndenumerate(self.values):
            rect = QRectF(column * self.cell, row * self.cell, self.cell, self.cell)
            painter.fillRect(rect, self.colours.get((row, column), QColor("white")))
            painter.setPen(QPen(QColor(160, 160, 160)))
            painter.drawRect(rect)
            if not math.isnan(value):
                painter.setPen(INK)
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, number_text(value))
        painter.end()


class LogBars(QWidget):
    """One bar per layer, first layer on the left, heights on a log10 scale shared with
    `set_range` so that two charts side by side compare at a glance."""

    def __init__(self, colour: QColor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = colour
        self.values: list[float] = []
        self.low, self.high = -6, 0  # powers of ten
        self.setMinimumSize(260, 150)

    def set_values(self, values: Sequence[float]) -> None:
        self.values = [float(value) for value in values]
        self.update()

    def set_range(self, low: int, high: int) -> None:
        self.low, self.high = low, max(high, low + 1)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(280, 170)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        left, bottom, top = 40, self.height() - 18, 10  # room for the top label
        width = self.width() - left - 4
        span = self.high - self.low
        small = QFont(self.font())
        small.setPixelSize(10)
        painter.setFont(small)
        every = max(1, math.ceil((span + 1) / 6))  # at most about six labelled lines
        for power in range(self.low, self.high + 1):
            if (power - self.low) % every:
                continue
            y = bottom - (power - self.low) / span * (bottom - top)
            painter.setPen(QPen(QColor(225, 225, 225)))
            painter.drawLine(left, int(y), left + width, int(y))
            painter.setPen(INK)
            painter.drawText(
                QRectF(0, y - 8, left - 4, 16), Qt.AlignmentFlag.AlignRight, f"1e{power}"
            )
        if self.values:
            step = width / len(self.values)
            for index, value in enumerate(self.values):
                level = math.log10(value) if value > 0 else self.low
                height = (min(max(level, self.low), self.high) - self.low) / span * (bottom - top)
                rect = QRectF(left + index * step + 1, bottom - height, max(step - 2, 1), height)
                painter.fillRect(rect, self.colour)
            painter.setPen(INK)
            for index in (0, len(self.values) - 1):
                x = left + (index + 0.5) * step
                painter.drawText(
                    QRectF(x - 15, bottom + 2, 30, 14), Qt.AlignmentFlag.AlignCenter, str(index + 1)
                )
        painter.setPen(QPen(INK))
        painter.drawLine(left, bottom, left + width, bottom)
        painter.end()


def shared_log_range(*series: Sequence[float]) -> tuple[int, int]:
    """Whole powers of ten around every positive value of the series."""
    values = [value for values in series for value in values if value > 0]
    if not values:
        return -6, 0
    return math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))


def engine_wait_text() -> str:
    return _("Waiting for the engine (TensorFlow) to load…")
