"""Keras data set downloads with progress and cancel, for the app's data panel and for training.

Keras downloads with `urllib.request.urlretrieve`, called through its private module
`keras.src.utils.file_utils`, and gives it a report hook that only prints. For the duration of a
download `reporting_downloads` puts in Keras's place the same call with a hook that reports bytes
and raises `DownloadCancelled` once `cancelled()` says so. Keras then deletes the partial file
itself (it does so for any exception), so a cancelled download leaves the cache as it was.

The module is private Keras: where a Keras version has moved it, downloads go on without
progress or cancel and `note` says so; they never fail for it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.engine.data.data_types import Dataset
    from cnnstudio.engine.training.config import TrainingConfig

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
    """Raised inside urlretrieve's hook once the download is cancelled (Cancel, Stop)."""


@contextlib.contextmanager
def reporting_downloads(
    name: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    note: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """While loading data set `name`: its downloads report `(bytes done, bytes in all)` to
    `on_progress` and end with `DownloadCancelled` once `cancelled()` is true. A data set that
    needs no download (bundled, cached, an image folder) is loaded as it is."""
    if not _needs_download(name):
        yield
        return
    file_utils = _keras_file_utils()
    if file_utils is None:
        if note is not None:
            note(
                _(
                    "NOTE: downloading {name} without progress or cancel (this Keras moved them)"
                ).format(name=name)
            )
        yield
        return
    total = DOWNLOAD_BYTES.get(name, 0)
    finished_bytes = [0]  # the files already fetched, of a multi-file download

    def retrieve(url: str, filename: Any, reporthook: Any = None, data: Any = None) -> Any:
        def hook(blocks: int, block_size: int, size: int) -> None:
            if cancelled():
                raise DownloadCancelled(url)
            if on_progress is not None:
                done = finished_bytes[0] + min(blocks * block_size, max(size, 0) or 1 << 62)
                on_progress(done, max(total, done, size))

        result = urllib.request.urlretrieve(url, filename, hook, data)
        finished_bytes[0] += os.path.getsize(filename)
        return result

    with _PATCH_LOCK:
        original = file_utils.urlretrieve
        file_utils.urlretrieve = retrieve
        try:
            yield
        finally:
            file_utils.urlretrieve = original


def load_training_data(
    config: TrainingConfig,
    *,
    cancelled: Callable[[], bool],
    note: Callable[[str], None] | None = None,
) -> Dataset:
    """The data set a training config names; a download in progress ends at its next block
    (`DownloadCancelled`, or Keras's error around it) once `cancelled()` is true."""
    from cnnstudio.engine.data.datasets import load_dataset

    with reporting_downloads(config.dataset, cancelled=cancelled, note=note):
        return load_dataset(
            config.dataset, validation_fraction=config.validation_fraction, seed=config.seed
        )


def _needs_download(name: str) -> bool:
    from cnnstudio.engine.data.datasets import get_dataset_info

    try:
        return not get_dataset_info(name).is_available_offline()
    except ValueError:  # not a registered name: an image folder
        return False


def _keras_file_utils() -> Any:
    """Keras's private download module, or None where a Keras version moved it."""
    try:
        from keras.src.utils import file_utils
    except ImportError:
        return None
    return file_utils if callable(getattr(file_utils, "urlretrieve", None)) else None
