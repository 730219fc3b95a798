"""Dropout: which units drop in one training step, none at inference, and the 1/(1-p) scaling
that keeps the expected sum."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSlider,
    QWidget,
)

from cnnstudio.engine.concepts.arithmetic import apply_dropout, dropout_mask
from cnnstudio.gui.concepts.parts import INK, MUTED, OUTPUT, DemoPage, sentence
from cnnstudio.i18n import _

UNITS = 20
DRAWS = 2000  # masks averaged to show that the expected sum is kept
_VALUES = np.round(np.random.default_rng(3).uniform(0.1, 1.0, size=UNITS), 1)


class Units(QWidget):
    """Two rows of units: each a circle with its output, crossed out when dropped."""

    size, per_row = 46, 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outputs = _VALUES.copy()
        self.kept = np.ones(UNITS, bool)

    def show_units(self, outputs: np.ndarray, kept: np.ndarray) -> None:
        self.outputs, self.kept = outputs, kept
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.per_row * self.size + 2, 2 * self.size + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for index, value in enumerate(self.outputs):
            row, column = divmod(index, self.per_row)
            rect = QRectF(column * self.size + 2, row * self.size + 2, self.size - 4, self.size - 4)
            painter.setPen(QPen(INK))
            painter.setBrush(OUTPUT if self.kept[index] else MUTED)
            painter.drawEllipse(rect)
            if not self.kept[index]:  # the cross under the number, so the 0 stays readable
                painter.setPen(QPen(QColor(225, 120, 110), 2))
                inset = rect.width() * 0.146  # 1 - cos 45°, halved: the line ends on the circle
                cross = rect.adjusted(inset, inset, -inset, -inset)
                painter.drawLine(cross.topLeft(), cross.bottomRight())
            painter.setPen(QPen(INK))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"{value:.2f}")
        painter.end()


class DropoutDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Dropout"),
            _(
                "In training, dropout sets each unit's output to zero with probability p and "
                "multiplies the others by 1/(1 − p), so that the expected sum is what the next "
                "layer sees without dropout. Every step drops other units; at inference none "
                "drops and nothing is scaled."
            ),
            parent,
        )
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Rate p"), wordWrap=True))
        self.rate = QSlider(
            Qt.Orientation.Horizontal, minimum=0, maximum=90, value=50, objectName="dropoutRate"
        )
        self.rate.setSingleStep(5)
        self.rate.setAccessibleName(_("Rate p"))
        self.rate.valueChanged.connect(lambda _value: self._recompute())
        row.addWidget(self.rate, 1)
        self.reroll = QPushButton(_("Re-roll"), objectName="dropoutReroll")
        self.reroll.setAccessibleName(_("Drop other units"))
        self.reroll.clicked.connect(self._reroll)
        row.addWidget(self.reroll)
        self.body.addLayout(row)
        modes = QHBoxLayout()
        self.training = QRadioButton(_("Training"), checked=True, objectName="dropoutTraining")
        self.inference = QRadioButton(_("Inference"), objectName="dropoutInference")
        group = QButtonGroup(self)
        for button in (self.training, self.inference):
            group.addButton(button)
            button.setAccessibleName(button.text())
            modes.addWidget(button)
        modes.addStretch(1)
        self.training.toggled.connect(lambda _on: self._recompute())
        self.body.addLayout(modes)
        self.units = Units()
        self.body.addWidget(self.units)
        self.text = sentence(name="dropoutText")
        self.body.addWidget(self.text)
        self.seed = 0
        self._recompute()

    def _reroll(self) -> None:
        self.seed += 1
        self._recompute()

    def _recompute(self) -> None:
        p = self.rate.value() / 100
        training = self.training.isChecked()
        self.mask = dropout_mask(UNITS, p, self.seed) if training else np.ones(UNITS, bool)
        self.outputs = apply_dropout(_VALUES, self.mask, p, training)
        self.units.show_units(self.outputs, self.mask)
        total = float(_VALUES.sum())
        if not training:
            self.text.setText(
                _("Inference: every unit passes unchanged; the sum is {sum}.").format(
                    sum=f"{total:.2f}"
                )
            )
            return
        # The mean sum over many masks, to show that the expectation is kept.
        draws = np.random.default_rng(self.seed + 1000).random((DRAWS, UNITS)) >= p
        self.mean_sum = float((np.where(draws, _VALUES / (1 - p), 0)).sum(axis=1).mean())
        self.text.setText(
            _(
                "Training, p = {rate}: {dropped} of {units} units dropped, the others scaled by "
                "1/(1 − {rate}) = {scale}. This step's sum is {sum}; without dropout it is "
                "{total}, and the mean over {draws} steps is {mean}."
            ).format(
                rate=f"{p:.2f}",
                dropped=int((~self.mask).sum()),
                units=UNITS,
                scale=f"{1 / (1 - p):.2f}",
                sum=f"{self.outputs.sum():.2f}",
                total=f"{total:.2f}",
                draws=DRAWS,
                mean=f"{self.mean_sum:.2f}",
            )
        )
