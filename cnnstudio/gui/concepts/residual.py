"""Residual connections: the gradient that reaches each layer of a deep plain network and of its
residual twin, measured live (engine.concepts.gradients) and drawn on a log scale."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QPushButton, QWidget

from cnnstudio.gui.concepts.gradient_worker import GradientProbe, GradientRequest, GradientResult
from cnnstudio.gui.concepts.parts import (
    ACCENT,
    CALM,
    DemoPage,
    LogBars,
    engine_wait_text,
    sentence,
    shared_log_range,
    spin_row,
)
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import _

ACTIVATION_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


def activation_box(name: str) -> QComboBox:
    box = QComboBox(objectName=name)
    for key, label in ACTIVATION_NAMES.items():
        box.addItem(label, key)
    box.setAccessibleName(_("Activation"))
    return box


def gradient_controls(page: Any, prefix: str) -> QGridLayout:
    """Depth, activation and Recompute for a page that measures gradient norms (this one and
    the activations page): sets `page.depth`, `page.activation`, `page.button`, wired to its
    `recompute` and `_reseed`."""
    controls = QGridLayout()
    page.depth = spin_row(
        f"{prefix}_depth", controls, 0, 0, _("Layers"), (2, 60), 20, page.recompute
    )
    controls.addWidget(QLabel(_("Activation"), wordWrap=True), 0, 2)
    page.activation = activation_box(f"{prefix}Activation")
    page.activation.currentIndexChanged.connect(lambda _index: page.recompute())
    controls.addWidget(page.activation, 0, 3)
    page.button = QPushButton(_("Recompute"), objectName=f"{prefix}Recompute")
    page.button.setAccessibleName(_("Recompute the gradients on other random weights"))
    page.button.clicked.connect(page._reseed)
    controls.addWidget(page.button, 0, 4)
    controls.setColumnStretch(5, 1)
    return controls


class GradientMeasure:
    """What the two gradient pages (this one and the activations page) share: a measurement on
    the page's probe for its depth and activation, again on other weights with Recompute. The
    page has `probe`, `status`, `depth`, `activation` and `seed`."""

    def _reseed(self) -> None:
        self.seed += 1
        self.recompute()

    def recompute(self) -> None:
        self.probe.request(
            GradientRequest(self.depth.value(), self.activation.currentData(), seed=self.seed)
        )
        if self.probe.context.engine_ready:
            self.status.setText(_("Measuring…"))


class ResidualDemo(GradientMeasure, DemoPage):
    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Residual connections"),
            _(
                "In a deep plain network the gradient reaching the first layers is the product "
                "of every later layer's slope, and it can shrink to almost nothing. A residual "
                "connection adds each block's input to its output (x + f(x)), so the gradient "
                "also flows back unchanged along the identity. Below, the gradient norm of each "
                "layer's weights in a stack of dense layers, measured on random inputs: the plain "
                "network and its residual twin, with the same weights."
            ),
            parent,
        )
        self.body.addLayout(gradient_controls(self, "residual"))
        charts = QGridLayout()
        self.plain, self.residual = LogBars(ACCENT), LogBars(CALM)
        charts.addWidget(QLabel(_("Plain network: gradient norm per layer"), wordWrap=True), 0, 0)
        charts.addWidget(QLabel(_("Residual twin: gradient norm per layer"), wordWrap=True), 0, 1)
        charts.addWidget(self.plain, 1, 0)
        charts.addWidget(self.residual, 1, 1)
        self.body.addLayout(charts)
        self.status = sentence(engine_wait_text(), "residualStatus")
        self.body.addWidget(self.status)
        self.result: GradientResult | None = None
        self.seed = 0
        self.probe = GradientProbe(context, self)
        self.probe.measured.connect(self._show)
        self.probe.failed.connect(self._failed)
        context.engineReady.connect(self._announce)

    def _announce(self) -> None:
        if self.probe.busy():
            self.status.setText(_("Measuring…"))

    def _show(self, result: GradientResult) -> None:
        self.result = result
        low, high = shared_log_range(result.plain, result.residual)
        for chart, values in ((self.plain, result.plain), (self.residual, result.residual)):
            chart.set_range(low, high)
            chart.set_values(values)
        self.status.setText(
            _(
                "First layer: {plain} in the plain network, {residual} in the residual twin "
                "({ratio}× as much); last layer: {plain_last} and {residual_last}."
            ).format(
                plain=f"{result.plain[0]:.2e}",
                residual=f"{result.residual[0]:.2e}",
                ratio=f"{result.residual[0] / max(result.plain[0], 1e-30):.3g}",
                plain_last=f"{result.plain[-1]:.2e}",
                residual_last=f"{result.residual[-1]:.2e}",
            )
        )

    def _failed(self, message: str) -> None:
        self.status.setText(_("Could not measure the gradients: {error}").format(error=message))

    def first_shown(self) -> None:
        """The page is shown for the first time: measure (once the engine is ready)."""
        if self.result is None and not self.probe.busy():
            self.recompute()

    def shutdown(self) -> None:
        self.probe.shutdown()
