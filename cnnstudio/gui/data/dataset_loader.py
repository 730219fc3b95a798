"""Loads a data set on a worker thread: the bundled one, a Keras one (downloading it once, with
progress and cancel), or an image folder.

Keras downloads with `urllib.request.urlretrieve` and gives it a report hook that only prints.
For the duration of a download this worker puts its own `urlretrieve` in Keras's place: the same
call with a hook that reports bytes to the window and raises `DownloadCancelled` once the person
cancels (`stop()`). Keras then deletes the partial file itself (it does so for any exception), so a
cancelled download leaves the cache as it was.
"""

from __future__ import annotations

import contextlib
import os
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from cnnstudio.gui.workers import Worker

# Sizes of the files Keras fetches (bytes), for one progress bar across several files
# (Fashion-MNIST has four). A server's Content-Length takes over when it differs.
DOWNLOAD_BYTES = {
    "mnist": 11_490_434,
    "fashion-mnist": 26_421_880 + 29_515 + 4_422_102 + 5_148,
    "cifar10": 170_498_071,
    "cifar100": 169_001_437,
}

# One download at a time may patch Keras's module global.
_PATCH_LOCK = threading.Lock()


class DownloadCancelled(Exception):
    """Raised inside urlretrieve's hook when the person pressed Cancel."""


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
        self._done_bytes = 0  # finished files of a multi-file download

    def work(self) -> None:  # worker thread: no widgets
        from cnnstudio.engine.datasets import DatasetUnavailable, load_dataset, load_image_folder

        try:
            if self.request.folder:
                dataset = load_image_folder(self.request.folder)
            else:
                with self._reporting_downloads():
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

    @contextlib.contextmanager
    def _reporting_downloads(self) -> Iterator[None]:
        from cnnstudio.engine.datasets import get_dataset_info

        if get_dataset_info(self.request.name).is_available_offline():
            yield  # bundled or cached: nothing to download, nothing to patch
            return
        from keras.src.utils import file_utils

        total = DOWNLOAD_BYTES.get(self.request.name, 0)

        def retrieve(url: str, filename: Any, reporthook: Any = None, data: Any = None):
            def hook(blocks: int, block_size: int, size: int) -> None:
                if self.stopping():
                    raise DownloadCancelled(url)
                done = self._done_bytes + min(blocks * block_size, max(size, 0) or 1 << 62)
                self.progress.emit(done, max(total, done, size))

            result = urllib.request.urlretrieve(url, filename, hook, data)
            self._done_bytes += os.path.getsize(filename)
            return result

        with _PATCH_LOCK:
            original = file_utils.urlretrieve
            file_utils.urlretrieve = retrieve
            try:
                yield
            finally:
                file_utils.urlretrieve = original
