"""Receptive field: how far into the input one output position sees, layer by layer, for a stack
of convolutions with optional pooling: r_l = r_{l-1} + (k_l - 1) * j_{l-1}, j_l = j_{l-1} * s_l."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSlider, QWidget

from cnnstudio.engine.concepts.arithmetic import FieldStep, receptive_fields
from cnnstudio.gui.concepts.parts import INK, WINDOW, DemoPage, sentence, spin_row
from cnnstudio.i18n import _


class FieldDrawing(QWidget):
    """Every layer's field, nested around one input pixel, scaled to the largest; the chosen
    layer's field filled. Grid lines are drawn while pixels are large enough to see."""

    side = 220

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[FieldStep] = []
        self.chosen = 0

    def show_steps(self, steps: list[FieldStep], chosen: int) -> None:
        self.steps, self.chosen = steps, chosen
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.side + 2, self.side + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: object) -> None:
        if not self.steps:
            return
        painter = QPainter(self)
        largest = max(step.field for step in self.steps)
        pixel = self.side / largest
        chosen = self.steps[self.chosen].field
        start = (largest - chosen) / 2 * pixel
        painter.fillRect(QRectF(start, start, chosen * pixel, chosen * pixel), WINDOW)
        if pixel >= 5:
            painter.setPen(QPen(QColor(215, 215, 215)))
            for i in range(largest + 1):
                painter.drawLine(QPointF(0, i * pixel), QPointF(self.side, i * pixel))
                painter.drawLine(QPointF(i * pixel, 0), QPointF(i * pixel, self.side))
        for index, step in enumerate(self.steps):
            start = (largest - step.field) / 2 * pixel
            painter.setPen(
                QPen(
                    INK if index == self.chosen else QColor(120, 120, 120),
                    2 if index == self.chosen else 1,
                )
            )
            painter.drawRect(QRectF(start, start, step.field * pixel, step.field * pixel))
        centre = (largest - 1) / 2 * pixel
        painter.fillRect(QRectF(centre, centre, max(pixel, 2), max(pixel, 2)), INK)
        painter.end()


class ReceptiveFieldDemo(DemoPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _("Receptive field"),
            _(
                "The receptive field of a layer is the window of the input that one of its "
                "outputs depends on. Each k×k layer widens it by k − 1 steps of the layer "
                "below, and a stride multiplies the step (the jump j) for every later layer, "
                "which is why pooling makes fields grow fast."
            ),
            parent,
        )
        controls = QGridLayout()
        self.convs = spin_row(
            "receptiveField_convs", controls, 0, 0, _("Convolutions"), (1, 12), 4, self._recompute
        )
        self.k = spin_row(
            "receptiveField_k", controls, 0, 1, _("Kernel side k"), (1, 7), 3, self._recompute
        )
        self.every = spin_row(
            "receptiveField_every",
            controls,
            1,
            0,
            _("2×2 pooling after every"),
            (0, 6),
            2,
            self._recompute,
        )
        self.every.setSpecialValueText(_("never"))
        self.stride = spin_row(
            "receptiveField_stride",
            controls,
            1,
            1,
            _("Stride of the first convolution"),
            (1, 4),
            1,
            self._recompute,
        )
        controls.setColumnStretch(4, 1)
        self.body.addLayout(controls)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Layer"), wordWrap=True))
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="receptiveFieldLayer")
        self.slider.setAccessibleName(_("Layer"))
        self.slider.valueChanged.connect(self._choose)
        row.addWidget(self.slider, 1)
        self.body.addLayout(row)
        drawing = QHBoxLayout()
        self.drawing = FieldDrawing()
        drawing.addWidget(self.drawing, 0, Qt.AlignmentFlag.AlignTop)
        self.table = QGridLayout()
        self.table.setHorizontalSpacing(12)
        self.table.setRowStretch(64, 1)  # rows at the top, whatever the drawing's height
        drawing.addLayout(self.table, 1)
        self.body.addLayout(drawing)
        self.formula = sentence(name="receptiveFieldFormula")
        self.body.addWidget(self.formula)
        self._rows: list[QLabel] = []
        self._recompute()

    def stack(self) -> list[tuple[str, int, int]]:
        """(kind, window, stride) of every layer: the convolutions, and a 2x2 pooling of stride
        2 after every `every` of them."""
        layers, every = [], self.every.value()
        for index in range(self.convs.value()):
            layers.append(("conv", self.k.value(), self.stride.value() if index == 0 else 1))
            if every and (index + 1) % every == 0:
                layers.append(("pool", 2, 2))
        return layers

    def _recompute(self) -> None:
        self.layers = self.stack()
        self.steps = receptive_fields([(k, s) for _kind, k, s in self.layers])
        for label in self._rows:
            self.table.removeWidget(label)
            label.deleteLater()
        self._rows = []
        headers = (_("Layer"), _("window k"), _("stride s"), _("field r"), _("jump j"))
        for column, text in enumerate(headers):
            self._add(text, 0, column)
        for index, ((kind, k, s), step) in enumerate(zip(self.layers, self.steps, strict=True)):
            name = (
                _("pooling {k}×{k}").format(k=k)
                if kind == "pool"
                else _("convolution {k}×{k}").format(k=k)
            )
            for column, value in enumerate((name, k, s, step.field, step.jump)):
                self._add(str(value), index + 1, column)
        self.slider.setRange(0, len(self.steps) - 1)
        self.slider.setValue(len(self.steps) - 1)
        self._choose(self.slider.value())

    def _add(self, text: str, row: int, column: int) -> None:
        label = QLabel(text, wordWrap=True)
        self.table.addWidget(label, row, column)
        self._rows.append(label)

    def _choose(self, index: int) -> None:
        index = min(max(index, 0), len(self.steps) - 1)
        step = self.steps[index]
        before = self.steps[index - 1] if index else FieldStep(1, 1, 1, 1)
        for position, label in enumerate(self._rows[5:]):
            label.setStyleSheet("font-weight: bold" if position // 5 == index else "")
        self.drawing.show_steps(self.steps, index)
        self.formula.setText(
            _(
                "Layer {layer}: r = {r_before} + ({k} − 1) × {j_before} = {r}, "
                "j = {j_before} × {s} = {j}: one output sees {r}×{r} input pixels."
            ).format(
                layer=index + 1,
                r_before=before.field,
                k=step.k,
                j_before=before.jump,
                r=step.field,
                s=step.s,
                j=step.jump,
            )
        )
