"""The evaluation's headline figures and its per-class table.

Left, the figures a person compares runs by: accuracy, top-3 accuracy (only with more than three
classes), loss, expected calibration error, and precision / recall / F1 averaged two ways (macro:
every class counts the same; weighted: by its number of images). Right, one row per class, sorted
by any column (`UserRole` holds the number, so 10 % sorts after 9 %): the weak classes of a
hundred are one click away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.i18n import N_, _

ModelIndex = QModelIndex | QPersistentModelIndex
SCORES = ("precision", "recall", "f1")
_SCORE_NAMES = {"precision": N_("Precision"), "recall": N_("Recall"), "f1": N_("F1")}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def percent(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else _("{value:.1%}").format(value=number)


def decimal(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.4f}"


class PerClassModel(QAbstractTableModel):
    """Class, precision, recall, F1, support: one row per class."""

    COLUMNS = (N_("Class"), N_("Precision"), N_("Recall"), N_("F1"), N_("Support"))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._rows: list[dict[str, Any]] = []

    def set_rows(self, class_names: Sequence[str], rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._names = [str(name) for name in class_names]
        self._rows = [row if isinstance(row, dict) else {} for row in rows][: len(self._names)]
        self._rows += [{}] * (len(self._names) - len(self._rows))
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.COLUMNS[section])
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        values = self._rows[row]
        if role == Qt.ItemDataRole.TextAlignmentRole and column:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return None
        if column == 0:
            return self._names[row] if role == Qt.ItemDataRole.DisplayRole else row
        if column == 4:
            support = _number(values.get("support"))
            if role == Qt.ItemDataRole.UserRole:
                return support if support is not None else -1.0
            return "–" if support is None else f"{int(support):,}"
        value = _number(values.get(SCORES[column - 1]))
        if role == Qt.ItemDataRole.UserRole:
            return value if value is not None else -1.0
        return "–" if value is None else f"{value:.3f}"


class SummaryPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationSummary")
        self.values: dict[str, QLabel] = {}  # figure key -> the label showing it (tests read it)
        self._names: dict[str, QLabel] = {}
        figures = QGridLayout()
        figures.setHorizontalSpacing(14)
        for row, (key, name) in enumerate(
            (
                ("accuracy", _("Accuracy")),
                ("top3_accuracy", _("Top-3 accuracy")),
                ("loss", _("Loss (cross-entropy)")),
                ("calibration_error", _("Calibration error (ECE)")),
            )
        ):
            self._names[key] = QLabel(name, wordWrap=True)
            self.values[key] = QLabel("–", objectName=f"{key}Value")
            self.values[key].setAccessibleName(name)
            self.values[key].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.addWidget(self._names[key], row, 0)
            figures.addWidget(self.values[key], row, 1, 1, 2)
        averages = len(self._names) + 1
        figures.addWidget(QLabel(_("Averages")), averages, 0)
        figures.addWidget(QLabel(_("macro")), averages, 1)
        figures.addWidget(QLabel(_("weighted")), averages, 2)
        for offset, score in enumerate(SCORES, start=1):
            figures.addWidget(QLabel(_(_SCORE_NAMES[score])), averages + offset, 0)
            for column, kind in ((1, "macro"), (2, "weighted")):
                label = QLabel("–", objectName=f"{kind}_{score}Value")
                self.values[f"{kind}_{score}"] = label
                figures.addWidget(label, averages + offset, column)
        figures.setRowMinimumHeight(averages - 1, 10)
        left = QVBoxLayout()
        left.addLayout(figures)
        left.addStretch(1)

        self.table_model = PerClassModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = QTableView(objectName="perClassTable")
        self.table.setAccessibleName(_("Scores per class"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addWidget(self.table, 3)

    def show_figures(self, figures: dict[str, Any]) -> None:
        top3 = figures.get("top3_accuracy")
        self.values["accuracy"].setText(percent(figures.get("accuracy")))
        self.values["top3_accuracy"].setText(percent(top3))
        # Top-3 means nothing with three classes or fewer (it is always 100 %): not shown.
        for widget in (self._names["top3_accuracy"], self.values["top3_accuracy"]):
            widget.setVisible(top3 is not None)
        self.values["loss"].setText(decimal(figures.get("loss")))
        self.values["calibration_error"].setText(decimal(figures.get("calibration_error")))
        for kind in ("macro", "weighted"):
            averages = figures.get(kind)
            averages = averages if isinstance(averages, dict) else {}
            for score in SCORES:
                self.values[f"{kind}_{score}"].setText(percent(averages.get(score)))
        names = figures.get("class_names") or []
        rows = figures.get("per_class")
        self.table_model.set_rows(names, rows if isinstance(rows, list) else [])
