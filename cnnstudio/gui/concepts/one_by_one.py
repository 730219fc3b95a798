"""1x1 convolutions: the channel reduction in an Inception branch and what it saves, in weights
and multiply-accumulates, for channel counts a person chooses."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from cnnstudio.engine.concepts.arithmetic import bottleneck_costs
from cnnstudio.engine.formatting import format_int
from cnnstudio.gui.concepts.parts import CALM, INK, DemoPage, sentence, spin_row
from cnnstudio.i18n import _


class ShareBar(QWidget):
    """A bar as long as a branch's share of the direct branch's multiply-accumulates (capped at
    twice), so the saving shows at a glance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share = 1.0
        self.setMinimumSize(120, 16)

    def set_share(self, share: float) -> None:
        self.share = share
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, 18)

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        width = self.width() / 2  # the direct branch fills half: room for a costlier one
        painter.fillRect(QRectF(0, 2, width * min(self.share, 2.0), self.height() - 4), CALM)
        painter.setPen(QPen(INK))
        painter.drawText(
            QRectF(4, 0, self.width() - 4, self.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            f"{100 * self.share:.1f} %",
        )
        painter.end()


class OneByOneDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("1×1 convolution"),
            _(
                "A 1×1 convolution mixes the channels at each position without looking at its "
                "neighbours: a small dense layer applied everywhere (NiN). GoogLeNet puts one "
                "before its 5×5 convolutions to cut the channels first, which saves most of the "
                "work. Inception (3a) takes 28×28×192 to 32 channels through a reduction to 16."
            ),
            parent,
        )
        controls = QGridLayout()
        self.side = spin_row(
            "oneByOne_side", controls, 0, 0, _("Map side"), (1, 224), 28, self._recompute
        )
        self.c_in = spin_row(
            "oneByOne_c_in", controls, 0, 1, _("Input channels"), (1, 2048), 192, self._recompute
        )
        self.c_reduce = spin_row(
            "oneByOne_c_reduce", controls, 1, 0, _("1×1 reduces to"), (1, 2048), 16, self._recompute
        )
        self.c_out = spin_row(
            "oneByOne_c_out", controls, 1, 1, _("Output channels"), (1, 2048), 32, self._recompute
        )
        self.k = spin_row(
            "oneByOne_k", controls, 2, 0, _("Kernel side k"), (1, 7), 5, self._recompute
        )
        controls.setColumnStretch(4, 1)
        self.body.addLayout(controls)

        table = QGridLayout()
        table.setHorizontalSpacing(18)
        table.addWidget(QLabel(_("Directly"), wordWrap=True), 0, 1)
        table.addWidget(QLabel(_("Through the 1×1"), wordWrap=True), 0, 2)
        table.addWidget(QLabel(_("Weights"), wordWrap=True), 1, 0)
        table.addWidget(QLabel(_("Multiply-accumulates"), wordWrap=True), 2, 0)
        self.cells = {}
        for row, what in ((1, "weights"), (2, "macs")):
            for column, branch in ((1, "direct"), (2, "reduced")):
                self.cells[what, branch] = sentence(name=f"{what}_{branch}")
                table.addWidget(self.cells[what, branch], row, column)
        table.addWidget(QLabel(_("Share of the direct cost"), wordWrap=True), 3, 0)
        self.bars = {branch: ShareBar() for branch in ("direct", "reduced")}
        table.addWidget(self.bars["direct"], 3, 1)
        table.addWidget(self.bars["reduced"], 3, 2)
        table.setColumnStretch(1, 1)
        table.setColumnStretch(2, 1)
        self.body.addLayout(table)
        self.text = sentence(name="oneByOneText")
        self.body.addWidget(self.text)
        self._recompute()

    def _recompute(self) -> None:
        side, c_in, c_reduce = self.side.value(), self.c_in.value(), self.c_reduce.value()
        c_out, k = self.c_out.value(), self.k.value()
        self.direct, self.reduced = bottleneck_costs(side, c_in, c_reduce, c_out, k)
        cells = self.cells
        cells["weights", "direct"].setText(
            f"{k}*{k}*{c_in}*{c_out} = {format_int(self.direct.weights)}"
        )
        cells["weights", "reduced"].setText(
            f"{c_in}*{c_reduce} + {k}*{k}*{c_reduce}*{c_out} = {format_int(self.reduced.weights)}"
        )
        cells["macs", "direct"].setText(
            f"{format_int(self.direct.weights)} × {side}×{side} = {format_int(self.direct.macs)}"
        )
        cells["macs", "reduced"].setText(
            f"{format_int(self.reduced.weights)} × {side}×{side} = {format_int(self.reduced.macs)}"
        )
        self.bars["direct"].set_share(1.0)
        self.bars["reduced"].set_share(self.reduced.macs / self.direct.macs)
        if self.reduced.macs >= self.direct.macs:
            self.text.setText(
                _(
                    "With {c_reduce} of {c_in} channels kept, the 1×1 saves nothing: the branch "
                    "costs {ratio}× the direct convolution."
                ).format(
                    c_reduce=c_reduce,
                    c_in=c_in,
                    ratio=f"{self.reduced.macs / self.direct.macs:.2f}",
                )
            )
            return
        self.text.setText(
            _(
                "Through the 1×1 the branch needs {ratio}× fewer multiply-accumulates "
                "(a saving of {saved} %), at the price of squeezing {c_in} channels into "
                "{c_reduce} before the {k}×{k} convolution."
            ).format(
                ratio=f"{self.direct.macs / self.reduced.macs:.1f}",
                saved=f"{100 * (1 - self.reduced.macs / self.direct.macs):.0f}",
                c_in=c_in,
                c_reduce=c_reduce,
                k=k,
            )
        )
