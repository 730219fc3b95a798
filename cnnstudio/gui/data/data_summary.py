"""What the data panel tells about a loaded data set besides its samples: images per class, and
for an image folder, the files it skipped and why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.data.data_types import Dataset, LoadReport
from cnnstudio.i18n import _


class ClassCounts(QTableWidget):
    """Class | Train | Validation, one row per class and a bold total."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("classCounts")
        self.setAccessibleName(_("Images per class"))
        self.setHorizontalHeaderLabels([_("Class"), _("Train"), _("Validation")])
        self.verticalHeader().hide()
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def show_dataset(self, dataset: Dataset) -> None:
        names = dataset.info.class_names
        train = np.bincount(dataset.train.labels, minlength=len(names))
        validation = np.bincount(dataset.validation.labels, minlength=len(names))
        rows = [
            *zip(names, train, validation, strict=True),
            (_("Total"), train.sum(), validation.sum()),
        ]
        self.setRowCount(len(rows))
        for row, (name, n_train, n_validation) in enumerate(rows):
            cells = [
                QTableWidgetItem(str(name)),
                QTableWidgetItem(f"{int(n_train):,}"),
                QTableWidgetItem(f"{int(n_validation):,}"),
            ]
            for column, cell in enumerate(cells):
                if column:
                    cell.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if row == len(rows) - 1:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                self.setItem(row, column, cell)
        self.resizeRowsToContents()


class SkippedFiles(QGroupBox):
    """An image folder's load report; hidden for data sets that have none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Skipped files"), parent)
        self.setObjectName("skippedFilesGroup")
        self.setAccessibleName(_("Image folder report"))
        self.list = QListWidget(objectName="skippedFiles")
        self.list.setAccessibleName(_("Skipped files"))
        self.list.setWordWrap(True)  # long reasons wrap instead of hiding behind a scroll bar
        QVBoxLayout(self).addWidget(self.list)
        self.hide()

    def show_report(self, report: LoadReport | None, root: Path | None) -> None:
        self.list.clear()
        if report is None:
            self.hide()
            return
        self.setTitle(
            _("Loaded {loaded:,} images; skipped {len:,} files").format(
                loaded=report.loaded, len=len(report.skipped)
            )
        )
        for path, reason in report.skipped:
            # Relative to the chosen folder: "square/broken.png" says all that matters.
            inside = root is not None and Path(path).is_relative_to(root)
            shown = Path(path).relative_to(root) if inside else path
            self.list.addItem(f"{shown}: {reason}")
        if not report.skipped:
            self.list.addItem(_("Every file was read."))
        self.show()

    def lines(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]
