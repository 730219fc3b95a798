"""Where the model goes wrong, and the images that show it: the confusion matrix beside a gallery.

Clicking a cell fills the gallery with that cell's images, the model's most confident first (a
confident mistake is the one to look at: a wrong label, or a class the model has not learned).
The gallery can also show the hardest examples (highest loss) and the suspect labels (confident
learning). Which rows each shows is chosen by `engine/insight/galleries.py`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.insight.galleries import (
    Prediction,
    cell_rows,
    hardest_rows,
    read_shape,
    suggestions,
    suspect_rows,
)
from cnnstudio.gui.insight.confusion_matrix import ConfusionMatrix
from cnnstudio.gui.insight.evaluation_worker import ThumbnailLoader
from cnnstudio.gui.insight.gallery import GalleryModel, GalleryView
from cnnstudio.i18n import N_, _, ngettext

CELL, HARDEST, SUSPECTS = "cell", "hardest", "suspects"
SOURCES = (
    (CELL, N_("The chosen cell")),
    (HARDEST, N_("The hardest examples")),
    (SUSPECTS, N_("Suspect labels")),
)


class ErrorsPanel(QWidget):
    # An image of the gallery to explain: ("pixels" | "file", the image or its path, a label).
    explainRequested = Signal(str, object, str)

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationErrors")
        self._figures: dict[str, Any] = {}
        self._predictions: list[Prediction] = []
        self._cell: tuple[int, int] | None = None

        self.matrix = ConfusionMatrix(self)
        self.matrix.cellClicked.connect(self.show_cell)
        self.normalised = QCheckBox(_("Shares of each true class"), objectName="normalisedCheck")
        self.normalised.setToolTip(_("Show each row as percentages of its class instead of counts"))
        self.normalised.toggled.connect(self.matrix.set_normalised)
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.matrix, 1)
        left.addWidget(self.normalised)

        self.source = QComboBox(objectName="gallerySource")
        self.source.setAccessibleName(_("Images to show"))
        for key, text in SOURCES:
            self.source.addItem(_(text), key)
        self.source.currentIndexChanged.connect(lambda _index: self._show_source())
        self.caption = QLabel(objectName="galleryCaption", wordWrap=True)
        self.caption.setAccessibleName(_("What the gallery shows"))
        self.model = GalleryModel(self, loader)
        self.gallery = GalleryView(self.model)
        self.gallery.setToolTip(_("Double-click an image (or press Enter) to see where it looks"))
        self.gallery.activated.connect(self._explain)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.source)
        right.addWidget(self.caption)
        right.addWidget(self.gallery, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="errorsSplitter")
        for layout in (left, right):
            holder = QWidget()
            holder.setLayout(layout)
            splitter.addWidget(holder)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        QHBoxLayout(self).addWidget(splitter)
        self.layout().setContentsMargins(0, 0, 0, 0)

    def _explain(self, index: Any) -> None:
        found = self.model.image_of(index.row())
        if found is None:
            return
        prediction = self.model.prediction(index.row())
        names = [str(name) for name in self._figures.get("class_names") or []]
        label = _("evaluated image {row}: labelled {true}, predicted {predicted}").format(
            row=prediction.row + 1,
            true=names[prediction.true] if prediction.true < len(names) else prediction.true,
            predicted=(
                names[prediction.predicted]
                if prediction.predicted < len(names)
                else prediction.predicted
            ),
        )
        self.explainRequested.emit(found[0], found[1], label)

    def show_evaluation(
        self,
        figures: dict[str, Any],
        predictions: list[Prediction],
        counts: list[list[int]],
        images: np.ndarray | None,
    ) -> None:
        self._figures, self._predictions = figures, predictions
        names = [str(name) for name in figures.get("class_names") or []]
        self.matrix.set_matrix(counts, names)
        self.model.set_evaluation(
            predictions, names, images, suggestions(figures), read_shape(figures)
        )
        self._cell = self._worst_cell(counts)
        if self._cell is not None:
            self.matrix.select(*self._cell)
        self._show_source()

    @staticmethod
    def _worst_cell(counts: list[list[int]]) -> tuple[int, int] | None:
        """The most frequent confusion, shown first (the diagonal's largest when none)."""
        cells = [(n, t, p) for t, row in enumerate(counts) for p, n in enumerate(row) if t != p]
        best = max(cells, default=(0, 0, 0))
        if best[0] > 0:
            return best[1], best[2]
        return (0, 0) if counts else None

    def show_cell(self, true: int, predicted: int) -> None:
        """The gallery shows the images of this cell (as a click on it does)."""
        self._cell = (true, predicted)
        self.matrix.select(true, predicted)
        if self.source.currentData() != CELL:
            self.source.setCurrentIndex(0)  # shows the cell
        else:
            self._show_source()

    def _show_source(self) -> None:
        source = self.source.currentData()
        count = len(self._predictions)
        names = self.matrix.names
        if source == HARDEST:
            rows = hardest_rows(self._figures, count)
            text = ngettext(
                "The {count} image with the highest loss, highest first",
                "The {count} images with the highest loss, highest first",
                len(rows),
            ).format(count=len(rows))
        elif source == SUSPECTS:
            rows = suspect_rows(self._figures, count)
            text = ngettext(
                "{count} image whose label looks wrong to the model (confident learning)",
                "{count} images whose labels look wrong to the model (confident learning)",
                len(rows),
            ).format(count=len(rows))
        elif self._cell is not None and names:
            true, predicted = self._cell
            rows = cell_rows(self._predictions, true, predicted)
            text = ngettext(
                "True {true}, predicted {predicted}: {count} image, most confident first",
                "True {true}, predicted {predicted}: {count} images, most confident first",
                len(rows),
            ).format(true=names[true], predicted=names[predicted], count=len(rows))
        else:
            rows, text = [], _("Click a cell of the matrix to see its images.")
        self.model.set_rows(rows)
        self.caption.setText(text)
