"""Convolution: a kernel sliding over a small image, the output-size formula and the parameter
count with live numbers, and two stacked 3x3 convolutions against one 5x5."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.concepts.arithmetic import (
    compare_stack,
    conv_output_size,
    conv_params,
    correlate,
)
from cnnstudio.gui.concepts.parts import (
    OUTPUT,
    PADDING,
    WINDOW,
    DemoPage,
    NumberGrid,
    sentence,
    spin_row,
)
from cnnstudio.i18n import _

# Fixed example numbers, so that a person can check a step by hand.
_IMAGE = np.random.default_rng(7).integers(0, 3, size=(7, 7)).astype(float)
_KERNEL = np.random.default_rng(11).integers(-1, 2, size=(5, 5)).astype(float)
_LAYER_COLOURS = (
    QColor(255, 160, 60),
    QColor(120, 190, 255),
    QColor(140, 210, 140),
    QColor(200, 150, 230),
)


class ConvolutionDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Convolution"),
            _(
                "A convolution layer slides a small kernel over the image; each output value is "
                "the sum of the window's values times the kernel's weights. Padding p adds zeros "
                "around the image, the stride s is how far the window moves at each step."
            ),
            parent,
        )
        controls = QGridLayout()
        self.n = spin_row(
            "convolution_n", controls, 0, 0, _("Image side n"), (3, 7), 7, self._reshape
        )
        self.k = spin_row(
            "convolution_k", controls, 0, 1, _("Kernel side k"), (1, 5), 5, self._reshape
        )
        self.p = spin_row("convolution_p", controls, 1, 0, _("Padding p"), (0, 2), 2, self._reshape)
        self.s = spin_row("convolution_s", controls, 1, 1, _("Stride s"), (1, 3), 1, self._reshape)
        self.c_in = spin_row(
            "convolution_c_in", controls, 2, 0, _("Input channels"), (1, 512), 1, self._count
        )
        self.c_out = spin_row(
            "convolution_c_out", controls, 2, 1, _("Output channels"), (1, 512), 6, self._count
        )
        controls.setColumnStretch(4, 1)
        self.body.addLayout(controls)

        grids = QHBoxLayout()
        self.image_grid, self.kernel_grid, self.output_grid = (
            NumberGrid(18),
            NumberGrid(18),
            NumberGrid(18),
        )
        for caption, grid in (
            (_("Image (padded)"), self.image_grid),
            (_("Kernel"), self.kernel_grid),
            (_("Output"), self.output_grid),
        ):
            column = QVBoxLayout()
            column.addWidget(QLabel(caption, wordWrap=True))
            column.addWidget(grid, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            column.addStretch(1)
            grids.addLayout(column)
        grids.addStretch(1)
        self.body.addLayout(grids)

        stepping = QHBoxLayout()
        self.play = QPushButton(_("Play"), checkable=True, objectName="convolutionPlay")
        self.play.setAccessibleName(_("Play the sliding window"))
        self.play.toggled.connect(self._toggle_play)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="convolutionStep")
        self.slider.setAccessibleName(_("Output position"))
        self.slider.valueChanged.connect(self._show_step)
        stepping.addWidget(self.play)
        stepping.addWidget(self.slider, 1)
        self.body.addLayout(stepping)
        self._timer = QTimer(self, interval=450)
        self._timer.timeout.connect(self._advance)

        self.step_text = sentence(name="convolutionStepText")
        self.size_text = sentence(name="convolutionSizeText")
        self.params_text = sentence(name="convolutionParamsText")
        for label in (self.step_text, self.size_text, self.params_text):
            self.body.addWidget(label)

        # The stack's fields nested (one colour per layer) beside the one big convolution's.
        self.stack, self.single = StackFields(), StackFields()
        self.stack_caption, self.single_caption = QLabel(), QLabel()
        self.layers = QGridLayout()
        self.depth = spin_row(
            "convolution_depth",
            self.layers,
            0,
            0,
            _("Stacked 3×3 layers"),
            (2, 4),
            2,
            self._compare,
        )
        self.layers.setColumnStretch(2, 1)
        self.body.addLayout(self.layers)
        row = QHBoxLayout()
        for caption, drawing in (
            (self.stack_caption, self.stack),
            (self.single_caption, self.single),
        ):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(drawing)
            column.addStretch(1)
            row.addLayout(column)
        self.stack_text = sentence(name="convolutionStackText")
        texts = QVBoxLayout()
        texts.addWidget(self.stack_text)
        texts.addWidget(
            sentence(
                _(
                    "The drawings: the input pixels that one output sees; in the stack, the inner "
                    "square after the first layer, each colour around it one layer more."
                )
            )
        )
        texts.addStretch(1)
        row.addLayout(texts, 1)
        self.body.addLayout(row)
        self._reshape()
        self._compare()

    # -- the sliding window ---------------------------------------------------------------------

    def _reshape(self) -> None:
        n, k, p, s = self.n.value(), self.k.value(), self.p.value(), self.s.value()
        if n + 2 * p < k:  # the window does not fit: grow the image to the kernel
            self.n.setValue(k)
            return
        self.image = _IMAGE[:n, :n]
        self.kernel = _KERNEL[:k, :k]
        self.output = correlate(self.image, self.kernel, p, s)
        self.size = conv_output_size(n, k, p, s)
        self.kernel_grid.set_values(self.kernel)
        self.slider.setRange(0, self.size * self.size - 1)
        self.size_text.setText(
            _("Output side: floor(({n} + 2×{p} − {k}) / {s}) + 1 = {size}").format(
                n=n, p=p, k=k, s=s, size=self.size
            )
        )
        self._show_step(self.slider.value())
        self._count()

    def _show_step(self, step: int) -> None:
        p, s, k = self.p.value(), self.s.value(), self.k.value()
        row, column = divmod(min(step, self.size * self.size - 1), self.size)
        padded = np.pad(self.image, p)
        self.image_grid.set_values(padded)
        side = padded.shape[0]
        self.image_grid.paint_cells(
            [
                (i, j)
                for i in range(side)
                for j in range(side)
                if min(i, j) < p or max(i, j) >= side - p
            ],
            PADDING,
        )
        window = [(row * s + i, column * s + j) for i in range(k) for j in range(k)]
        self.image_grid.paint_cells(window, WINDOW)
        shown = np.full_like(self.output, np.nan)
        flat = shown.reshape(-1)
        flat[: row * self.size + column + 1] = self.output.reshape(-1)[
            : row * self.size + column + 1
        ]
        self.output_grid.set_values(shown)
        self.output_grid.paint_cells([(row, column)], OUTPUT)
        self.step_text.setText(
            _("Output ({row}, {column}) = sum of the window times the kernel = {value}").format(
                row=row + 1, column=column + 1, value=int(self.output[row, column])
            )
        )

    def _toggle_play(self, playing: bool) -> None:
        self.play.setText(_("Pause") if playing else _("Play"))
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    def _advance(self) -> None:
        self.slider.setValue((self.slider.value() + 1) % (self.slider.maximum() + 1))

    def hideEvent(self, event: object) -> None:
        self.play.setChecked(False)  # nothing moves where nobody looks
        super().hideEvent(event)

    # -- parameters -----------------------------------------------------------------------------

    def _count(self) -> None:
        self.params = conv_params(self.k.value(), self.c_in.value(), self.c_out.value())
        self.params_text.setText(
            _(
                "Parameters: k × k × input channels × output channels weights, plus one bias "
                "per output channel: {formula}"
            ).format(formula=self.params.formula)
        )

    def _compare(self) -> None:
        self.comparison = compare_stack(3, self.depth.value())
        self.stack.set_fields(self.comparison.fields)
        self.single.set_fields((self.comparison.big_k,))
        # Only digits and ×: nothing to translate.
        self.stack_caption.setText(f"{self.comparison.layers} × 3×3")
        self.single_caption.setText(f"1 × {self.comparison.big_k}×{self.comparison.big_k}")
        c = self.comparison
        self.stack_text.setText(
            _(
                "{layers} stacked 3×3 convolutions: {layers} × (3×3) = {stacked} weights per "
                "pair of channels, against {big_k}×{big_k} = {big} for one {big_k}×{big_k} "
                "convolution. Both see a {big_k}×{big_k} window of the input; the stack has "
                "{extra} more non-linearities between its layers (VGG's argument)."
            ).format(
                layers=c.layers,
                stacked=c.stacked_weights,
                big_k=c.big_k,
                big=c.big_weights,
                extra=c.stacked_nonlinearities - c.big_nonlinearities,
            )
        )


class StackFields(QWidget):
    """The input window seen after each layer of the stack, nested around the centre pixel."""

    cell = 14

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: tuple[int, ...] = (3, 5)

    def set_fields(self, fields: tuple[int, ...]) -> None:
        self.fields = fields
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        side = self.fields[-1] * self.cell + 2
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        side = self.fields[-1]
        for index, field in reversed(list(enumerate(self.fields))):
            start = (side - field) // 2 * self.cell
            rect = QRectF(start, start, field * self.cell, field * self.cell)
            painter.fillRect(rect, _LAYER_COLOURS[index % len(_LAYER_COLOURS)])
        painter.setPen(QPen(QColor(150, 150, 150)))
        for i in range(side + 1):
            painter.drawLine(0, i * self.cell, side * self.cell, i * self.cell)
            painter.drawLine(i * self.cell, 0, i * self.cell, side * self.cell)
        centre = (side // 2) * self.cell
        painter.fillRect(
            QRectF(centre + 3, centre + 3, self.cell - 6, self.cell - 6), QColor(40, 40, 40)
        )
        painter.end()
