"""The run browser's table model: one row per `RunSummary`.

`DisplayRole` is what a person reads ("97.4%", "1 m 20 s", "1.2 MB"); `UserRole` is the raw value
the proxy sorts by (so "9 s" sorts before "1 m 2 s"); `UserRole + 1` is the run id on every cell.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor

from cnnstudio.engine.formatting import format_bytes, format_duration, format_timestamp
from cnnstudio.engine.store.runs import RunSummary
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.i18n import N_, _

RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 1
STATUS_COLOURS = {
    "finished": "#1b7f3b",
    "running": "#0b5cad",
    "stopped": "#8a6d00",
    "interrupted": "#b35c00",
    "failed": "#b00020",
    "unsupported": "#777777",
    "damaged": "#b00020",
}


class RunTableModel(QAbstractTableModel):
    COLUMNS = (  # marked for the catalog, translated where shown (headerData)
        N_("Name"),
        N_("Status"),
        N_("Model"),
        N_("Data set"),
        N_("Best val acc"),
        N_("Epochs"),
        N_("Duration"),
        N_("Size"),
        N_("Started"),
        N_("Tags"),
    )
    NAME, STATUS, MODEL, DATASET, BEST, EPOCHS, DURATION, SIZE, STARTED, TAGS = range(10)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[RunSummary] = []

    def set_rows(self, rows: list[RunSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def summary(self, run_id: str) -> RunSummary | None:
        return next((row for row in self._rows if row.id == run_id), None)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return self._sort_key(row, column)
        if role == RUN_ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS:
            return QColor(STATUS_COLOURS.get(row.status, "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.reason if column == self.STATUS and row.reason else str(row.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.BEST,
            self.EPOCHS,
            self.DURATION,
            self.SIZE,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: RunSummary, column: int) -> str:
        if column == self.NAME:
            return row.display_name
        if column == self.STATUS:
            return status_name(row.status)
        if column == self.MODEL:
            return row.model
        if column == self.DATASET:
            return row.dataset
        if column == self.BEST:
            return f"{row.best_val_accuracy:.2%}" if row.best_val_accuracy is not None else "–"
        if column == self.EPOCHS:
            return str(row.epochs_completed)
        if column == self.DURATION:
            return format_duration(row.duration_seconds)
        if column == self.SIZE:
            return format_bytes(row.size_bytes)
        if column == self.STARTED:
            return format_timestamp(row.started)
        return " ".join(row.tags)

    def _sort_key(self, row: RunSummary, column: int) -> Any:
        keys = {
            self.BEST: row.best_val_accuracy if row.best_val_accuracy is not None else -1.0,
            self.EPOCHS: row.epochs_completed,
            self.DURATION: row.duration_seconds,
            self.SIZE: row.size_bytes,
            self.STARTED: row.started,
        }
        return keys.get(column, self._text(row, column).lower())
