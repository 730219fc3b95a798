"""The controls under the pad: stroke width, ink polarity, undo, clear, load and save.

`PadTools` acts on one `PadCanvas` and nothing else; the canvas reports what came of a load or a
save through its own `message` signal. Esc/Delete and Ctrl+Z are shortcuts of the widget given
as `scope` (the whole view), so they work wherever the focus is in it, after clicking a button
too; the canvas also handles them itself when it has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.pad.canvas import PadCanvas
from cnnstudio.i18n import N_, _

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"


BLACK_ON_WHITE = N_("Black on white")
WHITE_ON_BLACK = N_("White on black")


class PadTools(QWidget):
    def __init__(self, canvas: PadCanvas, scope: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padTools")
        self.canvas = canvas
        self.width_slider = QSlider(Qt.Orientation.Horizontal, objectName="padWidthSlider")
        self.width_slider.setAccessibleName(_("Stroke width"))
        self.width_slider.setRange(6, 48)  # pixels of a 280-pixel pad; MNIST's is about 22
        self.width_slider.setValue(int(canvas.stroke_width))
        self.width_slider.setToolTip(_("Stroke width"))
        self.width_slider.setMinimumWidth(120)
        self.width_slider.valueChanged.connect(canvas.set_stroke_width)
        self.polarity_button = QPushButton(_(WHITE_ON_BLACK), objectName="padPolarityButton")
        self.polarity_button.setCheckable(True)
        self.polarity_button.setToolTip(_("Switch between white ink on black and black on white"))
        self.polarity_button.toggled.connect(self._on_polarity)
        # Wide enough for either text, so switching does not shift the layout (and the pad).
        metrics = self.polarity_button.fontMetrics()
        widest = max(
            metrics.horizontalAdvance(text) for text in (_(BLACK_ON_WHITE), _(WHITE_ON_BLACK))
        )
        self.polarity_button.setMinimumWidth(widest + 24)
        pen = QHBoxLayout()
        pen.addWidget(QLabel(_("Stroke width")))
        pen.addWidget(self.width_slider, 1)

        self.buttons: dict[str, QPushButton] = {}
        # Two by two, the ink's polarity under them: in one row of five they made the pad
        # wider than a 1024 px window in a longer language.
        row = QGridLayout()
        for key, text, tip, slot in (
            ("undo", _("Undo"), _("Undo the last stroke (Ctrl+Z)"), canvas.undo),
            ("clear", _("Clear"), _("Clear the pad (Esc or Delete)"), canvas.clear),
            (
                "load",
                _("Load image…"),
                _("Load a PNG or JPEG (or drop one on the pad)"),
                self.ask_load,
            ),
            ("save", _("Save PNG…"), _("Save the drawing as a PNG image"), self.ask_save),
        ):
            button = QPushButton(text, objectName=f"pad{key.title()}Button", toolTip=tip)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button, len(self.buttons) > 2, (len(self.buttons) - 1) % 2)
        row.addWidget(self.polarity_button, 2, 0, 1, 2)
        for key, slot in (
            (QKeySequence(Qt.Key.Key_Escape), canvas.clear),
            (QKeySequence(Qt.Key.Key_Delete), canvas.clear),
            (QKeySequence(QKeySequence.StandardKey.Undo), canvas.undo),
        ):
            shortcut = QShortcut(key, scope, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pen)
        layout.addLayout(row)

    def _on_polarity(self, dark_on_light: bool) -> None:
        self.polarity_button.setText(_(BLACK_ON_WHITE) if dark_on_light else _(WHITE_ON_BLACK))
        self.canvas.set_light_on_dark(not dark_on_light)

    def ask_load(self) -> None:
        name, _chosen_filter = QFileDialog.getOpenFileName(
            self, _("Load an image"), "", IMAGE_FILTER
        )
        if name:
            self.canvas.load_image(name)

    def ask_save(self) -> None:
        name, _chosen_filter = QFileDialog.getSaveFileName(
            self, _("Save the drawing"), _("digit.png"), _("PNG (*.png)")
        )
        if name:
            self.canvas.save_png(name)
