"""Activations: sigmoid, tanh and ReLU with their derivatives, and the vanishing gradient of a
deep sigmoid network (the same measurement as the residual page)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from cnnstudio.engine.concepts.arithmetic import ACTIVATIONS, activation, derivative
from cnnstudio.gui.concepts.gradient_worker import GradientProbe, GradientResult
from cnnstudio.gui.concepts.parts import (
    ACCENT,
    INK,
    DemoPage,
    LogBars,
    engine_wait_text,
    sentence,
    shared_log_range,
)
from cnnstudio.gui.concepts.residual import ACTIVATION_NAMES, GradientMeasure, gradient_controls
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import _

COLOURS = {
    "sigmoid": QColor(215, 80, 60),
    "tanh": QColor(60, 150, 80),
    "relu": QColor(70, 110, 200),
}
X = np.linspace(-5, 5, 201)


class CurvePlot(QWidget):
    """Each activation (or its derivative) over -5..5, in its colour, with a small legend."""

    def __init__(self, slopes: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slopes = slopes
        self.curves = {
            name: (derivative if slopes else activation)(name, X) for name in ACTIVATIONS
        }
        self.low, self.high = (-0.1, 1.1) if slopes else (-1.1, 1.6)

    def sizeHint(self) -> QSize:
        return QSize(290, 170)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 150)

    def _point(self, x: float, y: float) -> QPointF:
        width, height = self.width() - 8, self.height() - 8
        px = 4 + (x - X[0]) / (X[-1] - X[0]) * width
        py = 4 + (self.high - min(max(y, self.low), self.high)) / (self.high - self.low) * height
        return QPointF(px, py)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor(190, 190, 190)))
        painter.drawLine(self._point(X[0], 0), self._point(X[-1], 0))
        painter.drawLine(self._point(0, self.low), self._point(0, self.high))
        for level in (0.25, 1.0) if self.slopes else (1.0, -1.0):
            painter.setPen(QPen(QColor(225, 225, 225), 1, Qt.PenStyle.DashLine))
            painter.drawLine(self._point(X[0], level), self._point(X[-1], level))
            painter.setPen(INK)
            painter.drawText(self._point(X[0], level) + QPointF(2, -2), f"{level:g}")
        for index, (name, values) in enumerate(self.curves.items()):
            painter.setPen(QPen(COLOURS[name], 2))
            painter.drawPolyline(
                QPolygonF([self._point(x, y) for x, y in zip(X, values, strict=True)])
            )
            text = ACTIVATION_NAMES[name] + ("′" if self.slopes else "")
            # Top left: every curve stays low there (x < 0), so the legend hides none.
            painter.drawText(QRectF(40, 6 + 16 * index, 80, 16), Qt.AlignmentFlag.AlignLeft, text)
        painter.end()


class ActivationsDemo(GradientMeasure, DemoPage):
    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Activation functions"),
            _(
                "A non-linearity between layers lets a network be more than one linear map. "
                "Sigmoid squeezes into (0, 1) and its slope is at most 1/4; tanh into (−1, 1), "
                "slope at most 1; ReLU keeps positive inputs with slope 1 and zeroes the others. "
                "Backpropagation multiplies the slopes of every layer, so a deep sigmoid network "
                "passes its first layers a vanishing gradient."
            ),
            parent,
        )
        plots = QGridLayout()
        plots.addWidget(QLabel(_("The functions"), wordWrap=True), 0, 0)
        plots.addWidget(QLabel(_("Their derivatives"), wordWrap=True), 0, 1)
        self.functions, self.slopes = CurvePlot(False), CurvePlot(True)
        plots.addWidget(self.functions, 1, 0)
        plots.addWidget(self.slopes, 1, 1)
        self.body.addLayout(plots)
        self.body.addLayout(gradient_controls(self, "activations"))
        self.body.addWidget(
            QLabel(_("Gradient norm per layer of a plain dense network"), wordWrap=True)
        )
        self.bars = LogBars(ACCENT)
        self.bars.setMaximumWidth(520)
        self.body.addWidget(self.bars)
        self.status = sentence(engine_wait_text(), "activationsStatus")
        self.body.addWidget(self.status)
        self.result: GradientResult | None = None
        self.seed = 0
        self.probe = GradientProbe(context, self)
        self.probe.measured.connect(self._show)
        self.probe.failed.connect(
            lambda message: self.status.setText(
                _("Could not measure the gradients: {error}").format(error=message)
            )
        )

    def _show(self, result: GradientResult) -> None:
        self.result = result
        self.bars.set_range(*shared_log_range(result.plain))
        self.bars.set_values(result.plain)
        self.status.setText(
            _(
                "{activation}, {layers} layers: the first layer's gradient is {first}, the "
                "last layer's {last}: {ratio} times smaller at the input end."
            ).format(
                activation=ACTIVATION_NAMES[result.request.activation],
                layers=result.request.depth,
                first=f"{result.plain[0]:.2e}",
                last=f"{result.plain[-1]:.2e}",
                ratio=f"{result.plain[-1] / max(result.plain[0], 1e-30):.3g}",
            )
        )

    def first_shown(self) -> None:
        if self.result is None and not self.probe.busy():
            self.recompute()

    def shutdown(self) -> None:
        self.probe.shutdown()
