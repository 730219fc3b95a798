"""Runs' histories read off the GUI thread, thinned for drawing.

A long run's history.jsonl can be tens of megabytes: read on the GUI thread it froze the window
for seconds, and kept whole as Python objects it cost most of a gigabyte. The loader reads each
selected run's file on a `Worker` (engine/store/history_file.py: every line checked, a damaged
file gives what it can and never raises), keeps at most `MAX_DRAWN_BATCHES` batch points per run
(every epoch point is kept), and hands the browser one `RunSeries` per run as it is ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal

from cnnstudio.engine.store.history_file import read_history_file
from cnnstudio.gui.widgets.chart_data import RunSeries
from cnnstudio.gui.workers import Worker

MAX_DRAWN_BATCHES = 4000  # per run: far more than a chart's width in pixels


@dataclass(frozen=True)
class HistoryRequest:
    run_id: str
    label: str
    history: Path
    planned_epochs: int
    steps_per_epoch: int | None


class HistoryLoader(Worker):
    """Reads the histories of `requests`, one `loaded` signal per run, in order."""

    loaded = Signal(int, str, object)  # generation, run id, RunSeries

    stop_timeout_ms = 10_000

    def __init__(self, generation: int, requests: list[HistoryRequest]) -> None:
        super().__init__("historyLoader")
        self.generation = generation
        self.requests = requests

    def work(self) -> None:
        for request in self.requests:
            if self.stopping():
                return
            read = read_history_file(request.history, max_batch_points=MAX_DRAWN_BATCHES)
            series = RunSeries.from_history(
                request.run_id,
                request.label,
                read.entries,
                planned_epochs=request.planned_epochs,
                steps_per_epoch=request.steps_per_epoch,
            )
            self.loaded.emit(self.generation, request.run_id, series)
