"""The run browser's "Accuracy for cost" tab: every run of one data set as a point, its best
validation accuracy against its parameters, MACs or training time (log scale), the Pareto
front joined and marked. Points are coloured by model from a qualitative palette; hovering one
names the run, clicking it selects the run in the table (`runClicked`).

The points are computed by the engine (`engine/insight/glance.py`) on a newest-wins worker: a
run's MACs may need a build without weights the first time.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.formatting import format_count
from cnnstudio.engine.store.runs import RunStore
from cnnstudio.gui.widgets.chart_data import PALETTE
from cnnstudio.gui.widgets.tooltips import show_spot_tooltip
from cnnstudio.gui.workers import LatestRequestWorker
from cnnstudio.i18n import N_, _

AXES = (
    ("params", N_("Parameters")),
    ("macs", N_("MACs per image")),
    ("seconds", N_("Training time")),
)
RADIUS = 5
MARGIN = (56, 16, 40, 24)  # left, top, bottom, right: room for the axes' labels


def _seconds_text(value: float) -> str:
    if value < 120:
        return _("{value:.0f} s").format(value=value)
    if value < 7200:
        return _("{value:.0f} min").format(value=value / 60)
    return _("{value:.1f} h").format(value=value / 3600)


def _accuracy_step(spread: float) -> float:
    """A round step for the accuracy axis: 4 to 10 ticks over `spread`."""
    for step in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2):
        if spread / step <= 8:
            return step
    return 0.25


def cost_text(axis: str, value: float) -> str:
    return _seconds_text(value) if axis == "seconds" else format_count(int(value))


class GlanceWorker(LatestRequestWorker):
    ready = Signal(object, object)  # (data sets, points of the chosen one)

    def __init__(self, store: RunStore, parent: Any = None) -> None:
        super().__init__("glanceWorker", parent)
        self.store = store

    def handle(self, slot: str, request: object) -> None:
        from cnnstudio.engine.insight.glance import datasets_of, run_points

        summaries = self.store.summaries()
        datasets = datasets_of(summaries)
        dataset = request if request in datasets else (datasets[0] if datasets else None)
        points = run_points(summaries, dataset) if dataset else []
        self.ready.emit(datasets, (dataset, points))


class ScatterPlot(QWidget):
    runClicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("glanceScatter")
        self.setAccessibleName(_("Best validation accuracy against cost"))
        self.setMinimumSize(320, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.points: list[Any] = []
        self.axis = "params"
        self.colours: dict[str, QColor] = {}

    def set_points(self, points: list[Any], axis: str) -> None:
        self.points = [p for p in points if p.cost(axis) is not None]
        self.axis = axis
        models = sorted({p.model for p in self.points})
        self.colours = {m: QColor(PALETTE[i % len(PALETTE)]) for i, m in enumerate(models)}
        self.update()

    def _plot_rect(self) -> QRectF:
        left, top, bottom, right = MARGIN
        return QRectF(left, top, self.width() - left - right, self.height() - top - bottom)

    def _ranges(self) -> tuple[float, float, float, float]:
        costs = [math.log10(p.cost(self.axis)) for p in self.points]
        values = [p.accuracy for p in self.points]
        low, high = min(costs), max(costs)
        # A margin on both sides, so no point sits on the frame.
        margin = max(0.25, 0.06 * (high - low))
        bottom, top = min(values), max(values)
        step = _accuracy_step(top - bottom)
        bottom = max(0.0, math.floor((bottom - 0.02) / step) * step)
        top = min(1.0, math.ceil((top + 0.02) / step) * step)
        return low - margin, high + margin, bottom, top

    def position(self, point: Any) -> QPointF:
        rect = self._plot_rect()
        low, high, bottom, top = self._ranges()
        x = (math.log10(point.cost(self.axis)) - low) / (high - low)
        y = (point.accuracy - bottom) / ((top - bottom) or 1.0)
        return QPointF(rect.left() + x * rect.width(), rect.bottom() - y * rect.height())

    def point_at(self, where: QPointF) -> Any | None:
        best, distance = None, (RADIUS + 3) ** 2
        for point in self.points:
            at = self.position(point)
            d = (at.x() - where.x()) ** 2 + (at.y() - where.y()) ** 2
            if d <= distance:
                best, distance = point, d
        return best

    def event(self, event: Any) -> bool:
        if isinstance(event, QHelpEvent):
            point = self.point_at(QPointF(event.pos()))
            return show_spot_tooltip(self, event, "" if point is None else self.describe(point))
        return super().event(event)

    def describe(self, point: Any) -> str:
        front = _(" · on the Pareto front") if point.pareto.get(self.axis) else ""
        return _("{name} ({model}): {accuracy:.2%} for {cost}{front}").format(
            name=point.name,
            model=point.model,
            accuracy=point.accuracy,
            cost=cost_text(self.axis, point.cost(self.axis)),
            front=front,
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self.point_at(event.position())
        if point is not None:
            self.runClicked.emit(point.run_id)
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._plot_rect()
        text = self.palette().text().color()
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(rect)
        if not self.points:
            painter.setPen(text)
            painter.drawText(
                rect,
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                _("No run of this data set has a best validation accuracy yet."),
            )
            return
        low, high, bottom, top = self._ranges()
        painter.setPen(text)
        metrics = painter.fontMetrics()
        for power in range(math.floor(low), math.ceil(high) + 1):
            if low <= power <= high:
                x = rect.left() + (power - low) / (high - low) * rect.width()
                painter.setPen(QPen(self.palette().midlight().color(), 1, Qt.PenStyle.DotLine))
                painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
                painter.setPen(text)
                label = cost_text(self.axis, 10.0**power)
                width = metrics.horizontalAdvance(label)
                painter.drawText(QPointF(x - width / 2, rect.bottom() + metrics.height()), label)
        step = _accuracy_step(top - bottom)
        for index in range(round((top - bottom) / step) + 1):
            value = bottom + index * step
            share = (value - bottom) / ((top - bottom) or 1.0)
            y = rect.bottom() - share * rect.height()
            pattern = _("{value:.0%}") if step >= 0.01 else _("{value:.1%}")
            label = pattern.format(value=value)
            width = metrics.horizontalAdvance(label)
            painter.drawText(QPointF(rect.left() - width - 4, y + metrics.ascent() / 2), label)
        front = sorted(
            (p for p in self.points if p.pareto.get(self.axis)), key=lambda p: p.cost(self.axis)
        )
        if len(front) > 1:
            path = QPainterPath(self.position(front[0]))
            for point in front[1:]:
                path.lineTo(self.position(point))
            painter.setPen(QPen(text, 1.5, Qt.PenStyle.DashLine))
            painter.drawPath(path)
        for point in self.points:
            at = self.position(point)
            colour = self.colours[point.model]
            on_front = point.pareto.get(self.axis)
            painter.setPen(QPen(text if on_front else colour.darker(130), 2 if on_front else 1))
            painter.setBrush(colour)
            radius = RADIUS + (2 if on_front else 0)
            painter.drawEllipse(at, radius, radius)


class GlanceChart(QWidget):
    runClicked = Signal(str)
    shown = Signal()  # the points of the newest request are drawn (tests, screenshots)

    def __init__(self, store: RunStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("glanceChart")
        self.store = store
        self.worker: GlanceWorker | None = None
        self.points: list[Any] = []
        self.dataset = QComboBox(objectName="glanceDataset")
        self.dataset.setAccessibleName(_("Data set"))
        self.dataset.activated.connect(lambda _index: self.refresh())
        self.axis = QComboBox(objectName="glanceAxis")
        self.axis.setAccessibleName(_("Cost axis"))
        for key, label in AXES:
            self.axis.addItem(_(label), key)
        self.axis.currentIndexChanged.connect(lambda _index: self._draw())
        self.legend = QLabel(objectName="glanceLegend", wordWrap=True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Data set")))
        top.addWidget(self.dataset)
        top.addWidget(QLabel(_("against")))
        top.addWidget(self.axis)
        top.addStretch(1)
        self.plot = ScatterPlot(self)
        self.plot.runClicked.connect(self.runClicked)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)

    def refresh(self) -> None:
        if self.worker is None:
            self.worker = GlanceWorker(self.store, self)
            self.worker.ready.connect(self._on_ready)
        self.worker.offer(self.dataset.currentData())

    def _on_ready(self, datasets: list[str], chosen: tuple[str | None, list[Any]]) -> None:
        dataset, self.points = chosen
        self.dataset.blockSignals(True)
        self.dataset.clear()
        for name in datasets:
            self.dataset.addItem(name, name)
        if dataset is not None:
            self.dataset.setCurrentIndex(datasets.index(dataset))
        self.dataset.blockSignals(False)
        self._draw()
        self.shown.emit()

    def _draw(self) -> None:
        axis = self.axis.currentData()
        self.plot.set_points(self.points, axis)
        swatches = " ".join(
            f"<span style='color:{colour.name()}'>●</span> {model}"
            for model, colour in self.plot.colours.items()
        )
        note = _("Ringed and joined: the Pareto front, the runs no other beats on both axes.")
        self.legend.setText(_("{swatches}<br>{note}").format(swatches=swatches, note=note))

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.stop_and_wait()
