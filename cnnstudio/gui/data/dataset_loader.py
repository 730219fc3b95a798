"""Loads a data set on a worker thread: the bundled one, a Keras one (downloading it once, with
progress and cancel: `cnnstudio.engine.data.downloads`), or an image folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from cnnstudio.engine.data.downloads import DOWNLOAD_BYTES, reporting_downloads
from cnnstudio.gui.workers import Worker

__all__ = ["DOWNLOAD_BYTES", "DatasetLoader", "LoadRequest"]


@dataclass(frozen=True)
class LoadRequest:
    """A registered data set name, or an image folder path (`folder` set)."""

    name: str
    folder: str | None = None

    @property
    def label(self) -> str:
        return self.folder if self.folder else self.name


class DatasetLoader(Worker):
    """One load. Signals arrive on the GUI thread: `progress(done, total)` while downloading,
    then exactly one of `loaded(Dataset)`, `failed(message)` or `cancelled()`.

    `stop()` cancels a download at its next block (about 8 KB); a local load runs to its end."""

    progress = Signal(int, int)
    loaded = Signal(object)
    cancelled = Signal()
    stop_timeout_ms = 60_000  # reading a cached CIFAR archive takes seconds

    def __init__(self, request: LoadRequest, parent: QObject | None = None) -> None:
        super().__init__("datasetLoader", parent)
        self.request = request

    def work(self) -> None:  # worker thread: no widgets
        from cnnstudio.engine.data.datasets import (
            DatasetUnavailable,
            load_dataset,
            load_image_folder,
        )

        try:
            if self.request.folder:
                dataset = load_image_folder(self.request.folder)
            else:
                with reporting_downloads(
                    self.request.name, on_progress=self.progress.emit, cancelled=self.stopping
                ):
                    dataset = load_dataset(self.request.name)
        except (DatasetUnavailable, ValueError, OSError) as error:
            if self.stopping():
                self.cancelled.emit()
            else:
                self.failed.emit(str(error))
            return
        # Anything else reaches the person as `failed("Type: message")` (the Worker base).
        if self.stopping() and not self.request.folder:
            self.cancelled.emit()
            return
        self.loaded.emit(dataset)
