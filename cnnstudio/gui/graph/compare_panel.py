"""Two models side by side: parameters and MACs per stage at one shared input, totals, ratios.

The classic lesson opens it: VGG-16 against ResNet-18 at 224x224x3 with 1000 classes (138 M
against 11.7 M parameters, 15.5 G against 1.8 G MACs). Stages are spatial resolutions
(`engine/anatomy/graph_compare.py`), so any two models of the zoo line up. The statistics are
computed
on a `Worker` (building a deep model takes seconds; the canonical ones come from a shipped file)
and the table fills when they arrive; the window never waits.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.engine.formatting import format_count, format_int
from cnnstudio.gui.workers import Worker
from cnnstudio.i18n import _

DEFAULT_PAIR = ("vgg16", "resnet18")
DEFAULT_INPUT = "224x224x3"
DEFAULT_CLASSES = 1000
COLUMNS = ("Stage", "{a} params", "{a} MACs", "{b} params", "{b} MACs")


class CompareWorker(Worker):
    """Statistics of two zoo models at one input, and their comparison (worker thread)."""

    computed = Signal(object)  # graph_compare.Comparison

    def __init__(self, a: str, b: str, input_shape: str, classes: int) -> None:
        super().__init__("compareWorker")
        self.request = (a, b, input_shape, classes)

    def work(self) -> None:
        from cnnstudio.engine.anatomy.graph_compare import compare
        from cnnstudio.engine.anatomy.graph_source import zoo_stats

        a, b, shape, classes = self.request
        first = zoo_stats(a, shape, classes)
        if self.stopping():
            return
        second = zoo_stats(b, shape, classes)
        if not self.stopping():
            self.computed.emit(compare(first, second))

    def describe_error(self, error: Exception) -> str:
        # create_model's messages are written for people ("VGG-16 needs inputs of at least...").
        return str(error) if isinstance(error, ValueError) else super().describe_error(error)


class ComparePanel(QWidget):
    """Two model choosers, a shared input and class count, a table of stages side by side."""

    def __init__(self, context: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.setAccessibleName(_("Compare two models"))
        self.context = context
        self._metas = load_model_metadata()
        self._worker: CompareWorker | None = None
        self._shown_once = False

        self.model_a, self.model_b = self._chooser("compareModelA"), self._chooser("compareModelB")
        self.model_a.setCurrentIndex(max(0, self.model_a.findData(DEFAULT_PAIR[0])))
        self.model_b.setCurrentIndex(max(0, self.model_b.findData(DEFAULT_PAIR[1])))
        self.input = QLineEdit(DEFAULT_INPUT, objectName="compareInput")
        self.input.setAccessibleName(_("Input shape for both models"))
        self.input.setToolTip(_("Height x width x channels, for example 224x224x3 or 32x32x1"))
        self.input.setMaximumWidth(110)
        self.classes = QSpinBox(objectName="compareClasses", minimum=2, maximum=100_000)
        self.classes.setValue(DEFAULT_CLASSES)
        self.classes.setAccessibleName(_("Number of classes"))
        self.compare_button = QPushButton(_("Compare"), objectName="compareButton")
        self.compare_button.clicked.connect(self.compare)
        self.input.returnPressed.connect(self.compare)

        # The two models on one row, what they are measured at on the next: in one row the
        # panel was 760 px at its narrowest and pushed the graph view past a 1024 px window.
        models = QHBoxLayout()
        models.addWidget(self.model_a, 1)
        models.addWidget(QLabel(_("against")))
        models.addWidget(self.model_b, 1)
        setting = QHBoxLayout()
        setting.addWidget(QLabel(_("Input")))
        setting.addWidget(self.input)
        setting.addWidget(QLabel(_("Classes")))
        setting.addWidget(self.classes)
        setting.addStretch(1)
        setting.addWidget(self.compare_button)
        controls = QVBoxLayout()
        controls.addLayout(models)
        controls.addLayout(setting)

        self.table = QTableWidget(0, len(COLUMNS), objectName="compareTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel(objectName="compareSummary", wordWrap=True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(objectName="compareStatus", wordWrap=True)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.comparison = None

    def _chooser(self, name: str) -> QComboBox:
        box = QComboBox(objectName=name)
        box.setAccessibleName(_("Model to compare"))
        box.setMinimumContentsLength(12)  # long names elide in the field, not in the list
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        for meta in self._metas.values():
            box.addItem(meta.display_name, meta.name)
        return box

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            # The classic lesson is on the table the first time the panel is seen.
            self._shown_once = True
            self.compare()

    # -- computing ------------------------------------------------------------------------------

    def compare(self) -> None:
        """Compare the chosen models at the chosen input, off the GUI thread."""
        from cnnstudio.model_metadata import format_shape, parse_input_shape

        try:
            shape = format_shape(parse_input_shape(self.input.text()))
        except ValueError as error:
            self.status.setText(str(error))
            return
        if self._worker is not None:
            self._worker.stop()  # a build cannot be interrupted; its result is dropped
        a, b = self.model_a.currentData(), self.model_b.currentData()
        worker = CompareWorker(a, b, shape, self.classes.value())
        worker.computed.connect(lambda result, w=worker: self._on_computed(w, result))
        worker.failed.connect(lambda message, w=worker: self._on_failed(w, message))
        self._worker = worker
        self.status.setText(
            _("Computing {value} and {value2} at {shape}…").format(
                value=self._name(a), value2=self._name(b), shape=shape
            )
        )
        worker.start()

    def busy(self) -> bool:
        return self._worker is not None and self._worker.isRunning()

    def shutdown(self) -> None:
        """Stop and wait for the computation (the window calls stop_all as it closes)."""
        if self._worker is not None:
            self._worker.stop_and_wait()

    def _on_failed(self, worker: CompareWorker, message: str) -> None:
        if worker is self._worker:
            self.status.setText(message)

    def _on_computed(self, worker: CompareWorker, comparison) -> None:
        if worker is not self._worker:
            return
        self.comparison = comparison
        a, b = (self._name(name) for name in worker.request[:2])
        self.table.setHorizontalHeaderLabels([c.format(a=a, b=b) for c in COLUMNS])
        rows = list(comparison.rows)
        self.table.setRowCount(len(rows) + 1)
        for index, row in enumerate(rows):
            self._fill(index, row.stage, row.a, row.b)
        totals = len(rows)
        self._set(totals, 0, _("Total"), bold=True)
        for column, value in enumerate(
            (comparison.a_params, comparison.a_macs, comparison.b_params, comparison.b_macs), 1
        ):
            self._set(totals, column, format_count(value), tip=format_int(value), bold=True)
        self.summary.setText(
            _(
                "<b>{a}</b> has {times} the parameters and {times2} the MACs of "
                "<b>{b}</b> at {value}, {value2} classes."
            ).format(
                a=a,
                times=_times(comparison.params_ratio),
                times2=_times(comparison.macs_ratio),
                b=b,
                value=worker.request[2],
                value2=worker.request[3],
            )
        )
        self.status.setText(_("Stages are spatial resolutions; padding counts with what it pads."))

    def _fill(self, index: int, stage: str, a, b) -> None:
        self._set(index, 0, stage)
        for offset, side in ((1, a), (3, b)):
            if side is None:
                self._set(index, offset, "–")
                self._set(index, offset + 1, "–")
                continue
            blocks = ", ".join(side.blocks)
            self._set(index, offset, format_count(side.params), tip=f"{format_int(side.params)}")
            self._set(index, offset + 1, format_count(side.macs), tip=f"{blocks}")

    def _set(self, row: int, column: int, text: str, tip: str = "", bold: bool = False) -> None:
        item = QTableWidgetItem(text)
        if column:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if tip:
            item.setToolTip(tip)
        if bold:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.table.setItem(row, column, item)

    def _name(self, name: str) -> str:
        meta = self._metas.get(name)
        return meta.display_name if meta is not None else name


def _times(ratio: float) -> str:
    if ratio == float("inf"):
        return "infinitely many times"
    return f"{ratio:.1f}×" if ratio >= 1 else f"{ratio:.2f}×"
