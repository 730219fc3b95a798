"""Normalization: which values BatchNorm, LayerNorm, InstanceNorm and GroupNorm average over, on
one N x C x H x W batch drawn as an N x C grid of H x W blocks, with the means and variances."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QWidget

from cnnstudio.engine.concepts.normalization import (
    KINDS,
    NormStatistics,
    example_batch,
    norm_statistics,
)
from cnnstudio.gui.concepts.parts import INK, WINDOW, DemoPage, sentence
from cnnstudio.i18n import N_, _

KIND_NAMES = {
    "batch": N_("Batch normalization"),
    "layer": N_("Layer normalization"),
    "instance": N_("Instance normalization"),
    "group": N_("Group normalization"),
}
KIND_TEXTS = {
    "batch": N_("one mean and variance per channel, over every sample of the batch"),
    "layer": N_("one mean and variance per sample, over all its channels"),
    "instance": N_("one mean and variance per sample and channel"),
    "group": N_("one mean and variance per sample and group of channels"),
}
SAMPLES, CHANNELS, SIDE = 4, 6, 3


class BlockGrid(QWidget):
    """N rows of C blocks of H x W values; the chosen group's blocks are filled, the others get
    a light tint per group so the split shows. A click chooses the group of the block clicked."""

    groupClicked = Signal(int)
    pixel, gap = 11, 7

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats: NormStatistics | None = None
        self.chosen = 0

    def show_stats(self, stats: NormStatistics, chosen: int) -> None:
        self.stats, self.chosen = stats, chosen
        self.update()

    def _block(self) -> int:
        return SIDE * self.pixel + self.gap

    def sizeHint(self) -> QSize:
        return QSize(CHANNELS * self._block() + 30, SAMPLES * self._block() + 22)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        column = int((event.position().x() - 30) // self._block())
        row = int((event.position().y() - 22) // self._block())
        if self.stats is not None and 0 <= row < SAMPLES and 0 <= column < CHANNELS:
            self.groupClicked.emit(int(self.stats.group_of[row, column]))

    def paintEvent(self, _event: object) -> None:
        if self.stats is None:
            return
        painter = QPainter(self)
        block = self._block()
        painter.setPen(INK)
        for c in range(CHANNELS):  # channel numbers across the top, sample numbers down the side
            painter.drawText(
                QRectF(30 + c * block, 0, block - self.gap, 18),
                Qt.AlignmentFlag.AlignCenter,
                f"c{c + 1}",
            )
        for n in range(SAMPLES):
            painter.drawText(
                QRectF(0, 22 + n * block, 26, block - self.gap),
                Qt.AlignmentFlag.AlignCenter,
                f"n{n + 1}",
            )
        for n in range(SAMPLES):
            for c in range(CHANNELS):
                group = int(self.stats.group_of[n, c])
                tint = QColor.fromHsv((group * 47) % 360, 40, 250)
                colour = WINDOW if group == self.chosen else tint
                x, y = 30 + c * block, 22 + n * block
                for i in range(SIDE):
                    for j in range(SIDE):
                        rect = QRectF(
                            x + j * self.pixel, y + i * self.pixel, self.pixel, self.pixel
                        )
                        painter.fillRect(rect, colour)
                        painter.setPen(QPen(QColor(170, 170, 170)))
                        painter.drawRect(rect)
        painter.end()


class NormalizationDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Normalization"),
            _(
                "Each normalization subtracts a mean and divides by a standard deviation, then "
                "learns a scale and a shift. They differ only in which values share one mean: "
                "below, a batch of N = 4 samples with C = 6 channels of 3×3 values; the filled "
                "blocks are the values behind one mean and variance. Click a block to see its "
                "group."
            ),
            parent,
        )
        self.batch = example_batch(SAMPLES, CHANNELS, SIDE, seed=0)
        controls = QGridLayout()
        self.kind = QComboBox(objectName="normalizationKind")
        for kind in KINDS:
            self.kind.addItem(_(KIND_NAMES[kind]), kind)
        self.kind.setAccessibleName(_("Normalization"))
        self.groups = QComboBox(objectName="normalizationGroups")
        for count in (1, 2, 3, 6):
            self.groups.addItem(str(count), count)
        self.groups.setCurrentIndex(1)
        self.groups.setAccessibleName(_("Groups"))
        controls.addWidget(QLabel(_("Normalization"), wordWrap=True), 0, 0)
        controls.addWidget(self.kind, 0, 1)
        controls.addWidget(QLabel(_("Groups (group normalization)"), wordWrap=True), 1, 0)
        controls.addWidget(self.groups, 1, 1)
        controls.setColumnStretch(2, 1)
        self.body.addLayout(controls)
        row = QHBoxLayout()
        self.grid = BlockGrid()
        self.grid.groupClicked.connect(self._choose_group)
        row.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignTop)
        self.summary = sentence(name="normalizationSummary")
        row.addWidget(self.summary, 1, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(row)
        self.table = sentence(name="normalizationTable")
        self.body.addWidget(self.table)
        self.chosen = 0
        self.kind.currentIndexChanged.connect(lambda _index: self._recompute())
        self.groups.currentIndexChanged.connect(lambda _index: self._recompute())
        self._recompute()

    def show_kind(self, kind: str) -> None:
        self.kind.setCurrentIndex(KINDS.index(kind))

    def _recompute(self) -> None:
        kind = self.kind.currentData()
        self.stats = norm_statistics(self.batch, kind, groups=self.groups.currentData())
        self.groups.setEnabled(kind == "group")
        self._choose_group(min(self.chosen, self.stats.group_count - 1))

    def _choose_group(self, group: int) -> None:
        self.chosen = group
        stats = self.stats
        self.grid.show_stats(stats, group)
        blocks = stats.members(group)
        self.summary.setText(
            _(
                "{name}: {how}. {count} means and variances, each over {values} values. The "
                "chosen group has mean {mean} and variance {variance}."
            ).format(
                name=_(KIND_NAMES[stats.kind]),
                how=_(KIND_TEXTS[stats.kind]),
                count=stats.group_count,
                values=len(blocks) * SIDE * SIDE,
                mean=f"{stats.means[group]:.3f}",
                variance=f"{stats.variances[group]:.3f}",
            )
        )
        pairs = "   ".join(
            f"{mean:.2f} / {variance:.2f}"
            for mean, variance in zip(stats.means[:24], stats.variances[:24], strict=False)
        )
        self.table.setText(_("Every mean / variance: {pairs}").format(pairs=pairs))
