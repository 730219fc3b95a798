"""Pooling: max against average over the same windows of a small grid, with the stride and the
output size."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from cnnstudio.engine.concepts.arithmetic import conv_output_size, pool
from cnnstudio.gui.concepts.parts import OUTPUT, WINDOW, DemoPage, NumberGrid, sentence, spin_row
from cnnstudio.i18n import _

_GRID = np.random.default_rng(5).integers(0, 10, size=(6, 6)).astype(float)


class PoolingDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Pooling"),
            _(
                "A pooling layer summarises each window of a feature map without any weights: "
                "max pooling keeps the largest value, average pooling the "
                "mean. It works on each channel alone, so the channel count does not change; a "
                "stride of 2 halves the height and the width."
            ),
            parent,
        )
        controls = QGridLayout()
        self.k = spin_row("pooling_k", controls, 0, 0, _("Window k"), (1, 4), 2, self._recompute)
        self.s = spin_row("pooling_s", controls, 0, 1, _("Stride s"), (1, 3), 2, self._recompute)
        controls.setColumnStretch(4, 1)
        self.body.addLayout(controls)

        self.input_grid, self.max_grid, self.mean_grid = (
            NumberGrid(28),
            NumberGrid(28),
            NumberGrid(28),
        )
        grids = QHBoxLayout()
        for caption, grid in (
            (_("Feature map"), self.input_grid),
            (_("Max pooling"), self.max_grid),
            (_("Average pooling"), self.mean_grid),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption, wordWrap=True))
            column.addWidget(grid, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            column.addStretch(1)
            grids.addLayout(column)
        grids.addStretch(1)
        self.body.addLayout(grids)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="poolingStep")
        self.slider.setAccessibleName(_("Output position"))
        self.slider.valueChanged.connect(self._show_step)
        self.body.addWidget(self.slider)
        self.step_text = sentence(name="poolingStepText")
        self.size_text = sentence(name="poolingSizeText")
        self.body.addWidget(self.step_text)
        self.body.addWidget(self.size_text)
        self._recompute()

    def _recompute(self) -> None:
        k, s = self.k.value(), self.s.value()
        n = _GRID.shape[0]
        self.size = conv_output_size(n, k, 0, s)
        self.maxima, self.means = pool(_GRID, k, s, "max"), pool(_GRID, k, s, "average")
        self.max_grid.set_values(self.maxima)
        self.mean_grid.set_values(self.means)
        self.slider.setRange(0, self.size * self.size - 1)
        self.size_text.setText(
            _(
                "Output side: floor(({n} − {k}) / {s}) + 1 = {size}, so {n}×{n} becomes "
                "{size}×{size}, with no parameters to learn."
            ).format(n=n, k=k, s=s, size=self.size)
        )
        self._show_step(self.slider.value())

    def _show_step(self, step: int) -> None:
        k, s = self.k.value(), self.s.value()
        row, column = divmod(min(step, self.size * self.size - 1), self.size)
        window = _GRID[row * s : row * s + k, column * s : column * s + k]
        self.input_grid.set_values(_GRID)
        self.input_grid.paint_cells(
            [(row * s + i, column * s + j) for i in range(k) for j in range(k)], WINDOW
        )
        for grid, values in ((self.max_grid, self.maxima), (self.mean_grid, self.means)):
            grid.set_values(values)
            grid.paint_cells([(row, column)], OUTPUT)
        self.step_text.setText(
            _("Window ({row}, {column}): max {largest}, average {sum} / {count} = {mean}").format(
                row=row + 1,
                column=column + 1,
                largest=int(window.max()),
                sum=int(window.sum()),
                count=window.size,
                mean=f"{window.mean():.2f}",
            )
        )
