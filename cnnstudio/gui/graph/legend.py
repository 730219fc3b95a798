"""The legend: a colour swatch per kind of layer the graph shows."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from cnnstudio.gui.course.glossary_terms import term_note
from cnnstudio.gui.graph import style
from cnnstudio.i18n import _

COLUMNS = 2
# The glossary's entry for each kind of layer (gui/course/glossary_terms).
KIND_TERMS = {
    "conv": "convolution",
    "pool": "pooling",
    "norm": "normalization",
    "activation": "activation",
    "dense": "fully_connected",
    "merge": "concatenation",
    "dropout": "dropout",
}


def swatch(kind: str, size: int = 12) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(style.kind_colour(kind))
    return pixmap


class Legend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphLegend")
        self.setAccessibleName(_("Legend: layer kinds"))
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(2)
        self.kinds: list[str] = []

    def set_kinds(self, kinds: list[str]) -> None:
        """Show the kinds in `kinds` (legend order is `style.KIND_TITLES`'s)."""
        kinds = [kind for kind in style.KIND_TITLES if kind in set(kinds)]
        if kinds == self.kinds:
            return
        self.kinds = kinds
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for index, kind in enumerate(kinds):
            row, column = divmod(index, COLUMNS)
            box = QLabel()
            box.setPixmap(swatch(kind))
            box.setStyleSheet(f"border: 1px solid {QColor(style.BORDER).name()}")
            box.setFixedSize(14, 14)
            text = QLabel(style.kind_title(kind))
            text.setToolTip(term_note(KIND_TERMS.get(kind, "")))
            self._grid.addWidget(box, row, 2 * column)
            self._grid.addWidget(text, row, 2 * column + 1)
            box.show()  # children added to a shown widget are shown later, queued: now
            text.show()
        self._grid.setColumnStretch(2 * COLUMNS - 1, 1)
