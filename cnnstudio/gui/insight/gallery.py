"""The images behind an evaluation's figures: a grid of thumbnails with "true / predicted /
confidence" under each, for one confusion cell, the hardest examples or the suspect labels.

`GalleryModel` is a list model over prediction rows; a `QListView` in icon mode shows it and asks
only for the thumbnails on screen, so a cell of 5,000 images costs what a screenful does. An
image of a registered data set is a row of the evaluated split, in memory; an image of a folder
is a file, read by the `ThumbnailLoader` off the GUI thread with the engine's image reader. Until
it is read, and for good when it cannot be, the item shows a placeholder; a file that cannot be
read says why in its caption and tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from cnnstudio.engine.insight.galleries import Prediction
from cnnstudio.gui.insight.evaluation_worker import ThumbnailLoader, ThumbnailRequest
from cnnstudio.gui.widgets.images import to_qimage
from cnnstudio.i18n import _

ICON = 84  # thumbnail side: MNIST's 28 px at x3, nearest, stays crisp
GRID = QSize(ICON + 44, ICON + 44)  # the icon and two lines of caption
ROW_ROLE = Qt.ItemDataRole.UserRole  # the prediction's row in the figures

ModelIndex = QModelIndex | QPersistentModelIndex


def _placeholder(broken: bool) -> QPixmap:
    """A grey square; crossed out when the image cannot be read."""
    pixmap = QPixmap(ICON, ICON)
    pixmap.fill(QColor("#e4e4e4"))
    if broken:
        painter = QPainter(pixmap)
        painter.setPen(QPen(QColor("#b00020"), 3))
        margin = ICON // 4
        painter.drawLine(margin, margin, ICON - margin, ICON - margin)
        painter.drawLine(ICON - margin, margin, margin, ICON - margin)
        painter.end()
    return pixmap


class GalleryModel(QAbstractListModel):
    """Rows of an evaluation's predictions, as thumbnails with captions."""

    def __init__(self, parent: Any = None, loader: ThumbnailLoader | None = None) -> None:
        super().__init__(parent)
        self._predictions: list[Prediction] = []
        self._names: list[str] = []
        self._images: np.ndarray | None = None  # the evaluated split (int items index it)
        self._suggested: dict[int, int] = {}
        self._rows: list[int] = []
        self._pixmaps: dict[int, QPixmap] = {}  # by prediction row
        self._files: dict[str, tuple[QPixmap | None, str]] = {}  # path -> (pixmap, reason)
        self._asked: set[str] = set()
        self._loader = loader
        self._read_as: tuple[int, int, int] | None = None
        self._loading = _placeholder(broken=False)
        self._broken = _placeholder(broken=True)
        if loader is not None:
            loader.loaded.connect(self._on_loaded)

    # -- content --------------------------------------------------------------------------------

    def set_evaluation(
        self,
        predictions: Sequence[Prediction],
        class_names: Sequence[str],
        images: np.ndarray | None,
        suggested: dict[int, int] | None = None,
        read_as: tuple[int, int, int] | None = None,
    ) -> None:
        """`images`: the evaluated split (int items index it); `read_as`: (height, width,
        channels) a folder's files were read at, when there is no split to take it from."""
        self.beginResetModel()
        self._predictions = list(predictions)
        self._names = [str(name) for name in class_names]
        self._images = images
        self._suggested = dict(suggested or {})
        self._read_as = read_as
        self._rows = []
        self._pixmaps.clear()
        self._files.clear()
        self._asked.clear()
        self.endResetModel()

    def set_rows(self, rows: Sequence[int]) -> None:
        self.beginResetModel()
        self._rows = [row for row in rows if 0 <= row < len(self._predictions)]
        self.endResetModel()

    def rows(self) -> list[int]:
        return list(self._rows)

    def prediction(self, index: int) -> Prediction:
        return self._predictions[self._rows[index]]

    def image_of(self, index: int) -> tuple[str, Any] | None:
        """What the Explain view needs to show the item at `index`: ("pixels", the split's
        uint8 image) or ("file", its path); None when the split is not at hand."""
        item = self.prediction(index).item
        if isinstance(item, str):
            return "file", item
        if self._images is not None and 0 <= item < len(self._images):
            return "pixels", self._images[item]
        return None

    def thumbnail_state(self, index: int) -> tuple[str, str]:
        """("ready" | "loading" | "failed", reason) of the item at `index`."""
        prediction = self.prediction(index)
        if isinstance(prediction.item, str):
            pixmap, reason = self._files.get(prediction.item, (None, ""))
            if prediction.item not in self._files:
                return "loading", ""
            return ("ready", "") if pixmap is not None else ("failed", reason)
        pixmap = self._split_pixmap(prediction)
        return ("ready", "") if pixmap is not None else ("failed", self._missing_reason())

    # -- Qt model -------------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        prediction = self._predictions[self._rows[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._caption(prediction)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(prediction)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(prediction)
        if role == ROW_ROLE:
            return prediction.row
        return None

    # -- texts ----------------------------------------------------------------------------------

    def _name(self, index: int) -> str:
        return self._names[index] if 0 <= index < len(self._names) else str(index)

    def _caption(self, prediction: Prediction) -> str:
        caption = _("{true} / {predicted} / {confidence:.0%}").format(
            true=self._name(prediction.true),
            predicted=self._name(prediction.predicted),
            confidence=prediction.confidence,
        )
        if isinstance(prediction.item, str):
            _pixmap, reason = self._files.get(prediction.item, (None, ""))
            return f"{caption}\n{reason or Path(prediction.item).name}"
        return caption

    def _tooltip(self, prediction: Prediction) -> str:
        lines = [
            _("True class: {name}").format(name=self._name(prediction.true)),
            _("Predicted: {name} ({confidence:.1%})").format(
                name=self._name(prediction.predicted), confidence=prediction.confidence
            ),
            _("Loss: {loss:.3f}").format(loss=prediction.loss),
        ]
        suggested = self._suggested.get(prediction.row)
        if suggested is not None:
            lines.append(_("Label suspected; perhaps: {name}").format(name=self._name(suggested)))
        if isinstance(prediction.item, str):
            lines.append(prediction.item)
            _pixmap, reason = self._files.get(prediction.item, (None, ""))
            if reason:
                lines.append(_("Cannot show this image: {reason}").format(reason=reason))
        else:
            lines.append(_("Image {index} of the evaluated data").format(index=prediction.item))
            if self._split_pixmap(prediction) is None:
                lines.append(self._missing_reason())
        return "\n".join(lines)

    def _missing_reason(self) -> str:
        return _("this image is not in the evaluated data")

    # -- thumbnails -----------------------------------------------------------------------------

    def _thumbnail(self, prediction: Prediction) -> QPixmap:
        if isinstance(prediction.item, str):
            if prediction.item in self._files:
                pixmap, _reason = self._files[prediction.item]
                return pixmap if pixmap is not None else self._broken
            self._ask(prediction.item)
            return self._loading
        pixmap = self._split_pixmap(prediction)
        return pixmap if pixmap is not None else self._broken

    def _split_pixmap(self, prediction: Prediction) -> QPixmap | None:
        item = prediction.item
        images = self._images
        if images is None or not isinstance(item, int) or not 0 <= item < len(images):
            return None
        pixmap = self._pixmaps.get(prediction.row)
        if pixmap is None:
            pixmap = _scaled(QPixmap.fromImage(to_qimage(images[item])))
            self._pixmaps[prediction.row] = pixmap
        return pixmap

    def _ask(self, path: str) -> None:
        """Ask the loader for `path` along with every file asked for and not yet read (the view
        asks again for what it still shows; a newer list replaces the older one)."""
        if self._loader is None or path in self._asked:
            return
        self._asked.add(path)
        # As the model saw it: the split's size and channels, or those the folder was read at.
        shape = self._images.shape[1:] if self._images is not None else self._read_as
        shape = shape or (ICON, ICON, 3)
        mode = "L" if shape[-1] == 1 else "RGB"
        size = (int(shape[1]), int(shape[0]))
        waiting = [p for p in self._asked if p not in self._files]
        self._loader.load([ThumbnailRequest(p, mode, size) for p in waiting])

    def _on_loaded(self, path: str, pixels: object, reason: str) -> None:
        if path not in self._asked:
            return  # asked for by an earlier evaluation
        if isinstance(pixels, np.ndarray):
            self._files[path] = (_scaled(QPixmap.fromImage(to_qimage(pixels))), "")
        else:
            self._files[path] = (None, reason)
        for position, row in enumerate(self._rows):
            if self._predictions[row].item == path:
                index = self.index(position)
                self.dataChanged.emit(index, index)


def _scaled(pixmap: QPixmap) -> QPixmap:
    """To the icon's size, keeping the aspect; tiny images with hard pixels (MNIST, CIFAR)."""
    small = max(pixmap.width(), pixmap.height()) < ICON
    mode = (
        Qt.TransformationMode.FastTransformation
        if small
        else Qt.TransformationMode.SmoothTransformation
    )
    return pixmap.scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio, mode)


class GalleryView(QListView):
    """A wrapping grid of the model's thumbnails; scrolls vertically only."""

    def __init__(self, model: GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationGallery")
        self.setAccessibleName(_("Images of the chosen predictions"))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(GRID)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(GRID.width() + 24)
        self.setModel(model)
