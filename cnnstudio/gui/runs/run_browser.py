"""The "runs" view: every run on disk, its charts and config; compare, resume, rename, tag, delete,
open the folder, export with the round-trip check (`run_export.ExportPanel`).

The table is a `RunTableModel` (one row per `RunSummary`) behind a `QSortFilterProxyModel`, so
sorting and the filter box cost the model nothing. Selecting rows shows their charts overlaid
(each run keeps its colour). Resuming is the training view's job: the browser emits
`resumeRequested(run_id)` and the window connects it; evaluating is the evaluate view's, through
`evaluateRequested(run folder)` the same way. A damaged run (its run.json unreadable) is
listed as `damaged` with the reason; it can be opened in a file manager and deleted, no more.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.formatting import format_count
from cnnstudio.engine.store.runs import (
    DAMAGED,
    MODEL_FILE,
    Run,
    RunSchemaError,
    RunStore,
    RunSummary,
)
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.runs.glance_chart import GlanceChart
from cnnstudio.gui.runs.run_export import ExportPanel
from cnnstudio.gui.runs.run_table import RUN_ID_ROLE, RunTableModel
from cnnstudio.gui.widgets.chart_data import RunSeries
from cnnstudio.i18n import _, ngettext


class RunBrowser(QWidget):
    resumeRequested = Signal(str)
    evaluateRequested = Signal(str)  # the run's folder (the context's store may live anywhere)
    # An export ended (its result is in the export log); for tests and scripts.
    exportFinished = Signal()
    historyShown = Signal(str)  # a run's history was read and drawn

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runBrowser")
        self.setAccessibleName(_("Run browser"))
        self.context = context
        self.chart: Any = None  # charts.TrainingChart, built when first needed
        self._history_cache: dict[str, tuple[float, RunSeries]] = {}
        self._loader: Any = None  # history_loader.HistoryLoader of the newest selection
        self._generation = 0
        # Replaced in tests: the questions the browser asks.
        self.confirm = self._confirm
        self.model = RunTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self._build()
        context.runsChanged.connect(self.refresh)
        self.refresh()

    @property
    def store(self) -> RunStore:
        return self.context.run_store

    def _build(self) -> None:
        self.filter_edit = QLineEdit(objectName="runFilterEdit", placeholderText=_("Filter runs…"))
        self.filter_edit.setAccessibleName(_("Filter runs"))
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("resume", _("Resume"), self._on_resume),
            ("evaluate", _("Evaluate"), self._on_evaluate),
            ("rename", _("Rename…"), self._on_rename),
            ("tags", _("Tags…"), self._on_tags),
            ("delete", _("Delete…"), self._on_delete),
            ("folder", _("Open folder"), self._on_open_folder),
            ("refresh", _("Refresh"), self.refresh),
        ):
            button = QPushButton(text, objectName=f"{key}RunButton")
            button.setAccessibleName(text.rstrip("…"))
            button.clicked.connect(slot)
            self.buttons[key] = button
            top.addWidget(button)

        self.table = QTableView(objectName="runTable")
        self.table.setAccessibleName(_("Runs"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(RunTableModel.STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.tabs = QTabWidget(objectName="runTabs")
        self.chart_holder = QWidget(objectName="runChartHolder")
        self._chart_layout = QVBoxLayout(self.chart_holder)
        self.config_view = QPlainTextEdit(objectName="runConfigView", readOnly=True)
        self.config_view.setAccessibleName(_("Run configuration"))
        self.tabs.addTab(self.chart_holder, _("Charts"))
        self.tabs.addTab(self.config_view, _("Config"))
        self.export_panel = ExportPanel()
        # The folder grew; and tests and scripts learn that an export ended.
        self.export_panel.exported.connect(self.context.runsChanged)
        self.export_panel.exported.connect(self.exportFinished)
        self.tabs.addTab(self.export_panel, _("Export"))
        self.glance = GlanceChart(self.store)
        self.glance.runClicked.connect(lambda run_id: self.select_runs([run_id]))
        self.tabs.addTab(self.glance, _("Accuracy for cost"))
        # The points are read when the tab is looked at, and again when runs change meanwhile.
        self.tabs.currentChanged.connect(self._refresh_glance)

        splitter = QSplitter(Qt.Orientation.Vertical, objectName="runSplitter")
        splitter.addWidget(self.table)
        splitter.addWidget(self.tabs)
        splitter.setSizes([220, 480])
        self.tensorboard_label = QLabel(objectName="tensorboardHint")
        self.tensorboard_label.setAccessibleName(_("TensorBoard command"))
        self.tensorboard_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.tensorboard_label)
        self._update_buttons()

    # -- rows and selection ---------------------------------------------------------------------

    def _refresh_glance(self, *_: Any) -> None:
        if self.tabs.currentWidget() is self.glance:
            self.glance.refresh()

    def refresh(self) -> None:
        """Re-read the run store; the selection is kept by run id."""
        selected = self.selected_ids()
        self.model.set_rows(self.store.summaries())
        selection = self.table.selectionModel()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(RUN_ID_ROLE) in selected:
                selection.select(
                    index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows
                )
        self._on_selection()
        self._refresh_glance()

    def selected_ids(self) -> list[str]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [index.data(RUN_ID_ROLE) for index in rows]

    def select_runs(self, run_ids: list[str]) -> None:
        self.table.clearSelection()
        selection = self.table.selectionModel()
        for row in range(self.proxy.rowCount()):
            index: QModelIndex = self.proxy.index(row, 0)
            if index.data(RUN_ID_ROLE) in run_ids:
                selection.select(
                    index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows
                )

    def _summary(self, run_id: str) -> RunSummary | None:
        return self.model.summary(run_id)

    def _on_selection(self, *_: Any) -> None:
        ids = self.selected_ids()
        self._update_buttons()
        self._show_charts(ids)
        self._show_config(ids[0] if len(ids) == 1 else None)

    def _update_buttons(self) -> None:
        ids = self.selected_ids()
        one = self._summary(ids[0]) if len(ids) == 1 else None
        readable = one is not None and one.status not in (DAMAGED, "unsupported")
        for key in ("rename", "tags"):
            self.buttons[key].setEnabled(readable)
        self.buttons["folder"].setEnabled(one is not None)
        self.buttons["delete"].setEnabled(bool(ids))
        evaluable = readable and one is not None and (one.path / MODEL_FILE).is_file()
        self.buttons["evaluate"].setEnabled(evaluable)
        self.buttons["evaluate"].setToolTip(
            _("Evaluate this run's model: figures, confusion matrix, the images it gets wrong")
            if evaluable
            else _("Select one run that saved a model to evaluate it")
        )
        resumable = one is not None and one.resumable
        self.buttons["resume"].setEnabled(resumable)
        self.buttons["resume"].setToolTip(
            _("Continue this run from its last checkpoint")
            if resumable
            else _("Select one stopped, failed or interrupted run to resume it")
        )
        self.export_panel.set_run((one.id, one.path) if readable and one is not None else None)
        if one is None:
            self.tensorboard_label.setText(_("Select a run to see how to open it in TensorBoard."))
        elif (one.path / "logs").is_dir():
            self.tensorboard_label.setText(
                _("TensorBoard: tensorboard --logdir {path}/logs").format(path=one.path)
            )
        else:
            self.tensorboard_label.setText(
                _(
                    "TensorBoard: this run has no logs/ folder; its full history is "
                    "{path}/history.jsonl"
                ).format(path=one.path)
            )

    # -- charts and config ----------------------------------------------------------------------

    def _show_charts(self, run_ids: list[str]) -> None:
        """Overlay the selected runs: cached series at once, the others as the history loader
        reads them off the GUI thread (a newer selection makes older readings stale)."""
        self._generation += 1
        if self._loader is not None:
            self._loader.stop()
        if self.chart is None:
            if not run_ids:
                return
            from cnnstudio.gui.widgets.charts import TrainingChart  # matplotlib: only when needed

            self.chart = TrainingChart(self.chart_holder)
            self._chart_layout.addWidget(self.chart)
        shown = {series.run_id for series in self.chart.series()}
        for run_id in shown - set(run_ids):
            self.chart.remove_series(run_id)
        requests = []
        for run_id in run_ids:
            request = self._history_request(run_id)
            if request is None:
                continue
            cached = self._history_cache.get(run_id)
            if cached is not None and cached[0] == _stamp(request.history):
                cached[1].label = request.label
                self.chart.add_series(cached[1])
            else:
                requests.append(request)
        if requests:
            from cnnstudio.gui.runs.history_loader import HistoryLoader

            self._loader = HistoryLoader(self._generation, requests)
            self._loader.loaded.connect(self._on_history_loaded)
            self._loader.start()

    def _history_request(self, run_id: str) -> Any:
        from cnnstudio.gui.runs.history_loader import HistoryRequest

        summary = self._summary(run_id)
        if summary is None or summary.status == DAMAGED:
            return None
        record = _record(summary.path)
        config = record.get("config") or {}
        epochs = config.get("epochs") if isinstance(config, dict) else None
        steps = record.get("steps_per_epoch")
        return HistoryRequest(
            run_id,
            summary.display_name,
            summary.path / "history.jsonl",
            epochs if isinstance(epochs, int) and epochs > 0 else 1,
            steps if isinstance(steps, int) and steps > 0 else None,
        )

    def _on_history_loaded(self, generation: int, run_id: str, series: RunSeries) -> None:
        history = self._summary(run_id)
        if history is not None:
            self._history_cache[run_id] = (_stamp(history.path / "history.jsonl"), series)
        if generation != self._generation or self.chart is None:
            return  # the selection changed since: a newer reading is on its way
        if run_id in self.selected_ids():
            self.chart.add_series(series)
        self.historyShown.emit(run_id)

    def histories_pending(self) -> bool:
        """A history is still being read (tests wait on this, not on time)."""
        return self._loader is not None and self._loader.isRunning()

    def _show_config(self, run_id: str | None) -> None:
        summary = self._summary(run_id) if run_id else None
        if summary is None:
            self.config_view.setPlainText(_("Select one run to see its configuration."))
            return
        if summary.status == DAMAGED:
            self.config_view.setPlainText(
                _(
                    "Run       {id}\nFolder    {path}\nStatus    "
                    "damaged\n\n{reason}\n\nOpen the folder to look at its files, or "
                    "delete the run."
                ).format(id=summary.id, path=summary.path, reason=summary.reason)
            )
            return
        record = _record(summary.path)
        model = record.get("model") or {}
        status = status_name(summary.status)
        facts = [
            _("Run: {id}").format(id=summary.id) + (f"  ({summary.name})" if summary.name else ""),
            _("Folder: {path}").format(path=summary.path),
            _("Status: {status}").format(status=status)
            + (f": {summary.reason}" if summary.reason else ""),
            _("Model: {model}, {params} parameters").format(
                model=model.get("display_name", summary.model),
                params=format_count(model.get("params", 0)),
            ),
            _("Device: {device}").format(device=record.get("device") or "?"),
            _("Tags: {tags}").format(tags=", ".join(summary.tags) or "-"),
            "",
            _("Configuration (run.json):"),
            json.dumps(record.get("config") or {}, indent=2, sort_keys=True),
        ]
        self.config_view.setPlainText("\n".join(facts))

    # -- actions --------------------------------------------------------------------------------

    def rename_run(self, run_id: str, name: str) -> None:
        self.store.get(run_id).rename(name)
        self.context.runsChanged.emit()

    def set_run_tags(self, run_id: str, tags: list[str]) -> None:
        self.store.get(run_id).set_tags(tags)
        self.context.runsChanged.emit()

    def delete_runs(self, run_ids: list[str]) -> list[str]:
        """Delete runs; returns the error messages of those that could not be deleted."""
        errors = []
        for run_id in run_ids:
            try:
                self.store.delete(run_id)
            except (OSError, ValueError) as error:
                errors.append(str(error))
            self._history_cache.pop(run_id, None)
        self.context.runsChanged.emit()
        return errors

    def _on_rename(self) -> None:
        ids = self.selected_ids()
        summary = self._summary(ids[0]) if len(ids) == 1 else None
        if summary is None:
            return
        name, ok = QInputDialog.getText(
            self, _("Rename run"), _("Name (empty: the run id):"), text=summary.name or ""
        )
        if ok:
            self._try(self.rename_run, summary.id, name)

    def _on_tags(self) -> None:
        ids = self.selected_ids()
        summary = self._summary(ids[0]) if len(ids) == 1 else None
        if summary is None:
            return
        text, ok = QInputDialog.getText(
            self, _("Tags"), _("Tags, separated by spaces:"), text=" ".join(summary.tags)
        )
        if ok:
            self._try(self.set_run_tags, summary.id, text.replace(",", " ").split())

    def _on_delete(self) -> None:
        ids = self.selected_ids()
        if ids and self.confirm(
            ngettext(
                "Delete {count} run and its folder ({runs})? This cannot be undone.",
                "Delete {count} runs and their folders ({runs})? This cannot be undone.",
                len(ids),
            ).format(count=len(ids), runs=", ".join(ids[:3]) + ("…" if len(ids) > 3 else ""))
        ):
            errors = self.delete_runs(ids)
            if errors:
                QMessageBox.warning(self, _("Some runs were not deleted"), "\n".join(errors))

    def _on_resume(self) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            self.resumeRequested.emit(ids[0])

    def _on_evaluate(self) -> None:
        ids = self.selected_ids()
        summary = self._summary(ids[0]) if len(ids) == 1 else None
        if summary is not None:
            self.evaluateRequested.emit(str(summary.path))
            self.context.viewRequested.emit("evaluate")

    def _on_open_folder(self) -> None:
        ids = self.selected_ids()
        summary = self._summary(ids[0]) if len(ids) == 1 else None
        if summary is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(summary.path)))

    def _try(self, action, *args: Any) -> None:
        try:
            action(*args)
        except (OSError, ValueError) as error:
            QMessageBox.warning(self, _("Not changed"), str(error))

    def _confirm(self, text: str) -> bool:
        answer = QMessageBox.question(self, _("CNN Studio"), text)
        return answer == QMessageBox.StandardButton.Yes

    # -- export ---------------------------------------------------------------------------------

    def export_selected(self, fmt: str | None = None) -> bool:
        """Export the one selected run (as `fmt`, else the chosen format) on a worker thread."""
        return self.export_panel.start(fmt)

    def shutdown(self) -> None:
        """The window is closing: an export cannot be interrupted, so wait for it."""
        if self._loader is not None:
            self._loader.stop_and_wait()
        self.glance.shutdown()
        self.export_panel.wait()


def _stamp(history: Path) -> float:
    try:
        return history.stat().st_mtime
    except OSError:
        return 0.0


def _record(path: Path) -> dict[str, Any]:
    """The run's record as the engine checks it; {} when it cannot be read (the row says why)."""
    try:
        return Run(path).record
    except RunSchemaError:
        return {}
