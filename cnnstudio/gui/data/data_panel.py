"""The data panel: pick a data set, see samples and class counts, download one, or load a folder.

Every load runs on a `DatasetLoader` thread, even the bundled subset (fast, but file reading is
still reading). Keras data sets need Keras, so they load, and download, once the engine is up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.data.data_notes import unmeasured_classes_note
from cnnstudio.engine.data.data_types import Dataset
from cnnstudio.engine.data.datasets import get_dataset_info, list_datasets
from cnnstudio.engine.formatting import format_shape
from cnnstudio.gui.data.data_summary import ClassCounts, SkippedFiles
from cnnstudio.gui.data.dataset_loader import DOWNLOAD_BYTES, DatasetLoader, LoadRequest
from cnnstudio.gui.data.sample_grid import SampleGrid
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import _

FOLDER = "folder"  # the Selection's data set name for an image folder
SAMPLES = 40  # four of each digit for MNIST: fills the panel without scrolling at 1280x800
_ERROR_STYLE = "background:#fdecea; color:#611a15; border:1px solid #f5c2c0; padding:8px;"
_INFO_STYLE = "background:#e8f1fb; color:#0b3d6e; border:1px solid #b6d4f2; padding:8px;"


def sample_indices(labels: np.ndarray, count: int) -> list[int]:
    """Up to `count` indices taking each class in turn (in order of first appearance), so the
    grid shows every class before it shows a second example of any."""
    per_class = [np.flatnonzero(labels == c) for c in dict.fromkeys(labels.tolist())]
    picked: list[int] = []
    for depth in range(max((len(rows) for rows in per_class), default=0)):
        for rows in per_class:
            if depth < len(rows):
                picked.append(int(rows[depth]))
                if len(picked) == count:
                    return picked
    return picked


class DataPanel(QWidget):
    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dataPanel")
        self.setAccessibleName(_("Data panel"))
        self.context = context
        self.dataset: Dataset | None = None
        self._loader: DatasetLoader | None = None
        self._old_loaders: list[DatasetLoader] = []
        self._waiting_for_engine: LoadRequest | None = None
        self._folder: Path | None = None  # the image folder offered in the combo, if any

        self.combo = QComboBox(objectName="datasetCombo")
        self.combo.setAccessibleName(_("Data set"))
        for info in list_datasets():
            self.combo.addItem(_(info.title), info.name)
        self.folder_button = QPushButton(_("Choose image folder…"), objectName="chooseFolderButton")
        self.folder_button.setAccessibleName(_("Choose image folder"))
        self.folder_button.clicked.connect(self.choose_folder)
        self.info = QLabel(objectName="datasetInfo", wordWrap=True)
        self.info.setAccessibleName(_("Data set description"))
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLabel(objectName="datasetMessage", wordWrap=True)
        self.message.setAccessibleName(_("Data set message"))
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.download_button = QPushButton(_("Download"), objectName="downloadButton")
        self.download_button.setAccessibleName(_("Download data set"))
        self.download_button.clicked.connect(self.download)
        self.progress = QProgressBar(objectName="downloadProgress")
        self.progress.setAccessibleName(_("Download progress"))
        self.cancel_button = QPushButton(_("Cancel"), objectName="cancelDownloadButton")
        self.cancel_button.setAccessibleName(_("Cancel download"))
        self.cancel_button.clicked.connect(self.cancel)
        self.grid = SampleGrid()
        self.counts = ClassCounts()
        self.report = SkippedFiles()
        self._layout_widgets()

        self.combo.currentIndexChanged.connect(self._on_combo)
        context.engineReady.connect(self._on_engine_ready)
        context.engineFailed.connect(self._on_engine_failed)
        self._restore()

    def _layout_widgets(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Data set:")))
        top.addWidget(self.combo, 1)
        top.addWidget(self.folder_button)
        download_row = QHBoxLayout()
        download_row.addWidget(self.download_button)
        download_row.addWidget(self.progress, 1)
        download_row.addWidget(self.cancel_button)
        download_row.addStretch()  # keeps the lone Download button at its natural width
        scroll = QScrollArea(objectName="sampleScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        samples_box = QGroupBox(_("Samples"), objectName="samplesGroup")
        QVBoxLayout(samples_box).addWidget(scroll)
        counts_box = QGroupBox(_("Images per class"), objectName="classCountsGroup")
        QVBoxLayout(counts_box).addWidget(self.counts)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(counts_box, 2)
        side_layout.addWidget(self.report, 1)
        splitter = QSplitter(objectName="dataSplitter")
        splitter.addWidget(samples_box)
        splitter.addWidget(side)
        splitter.setSizes([640, 320])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.message)
        layout.addLayout(download_row)
        layout.addWidget(splitter, 1)
        self._show_download_row(False)

    # -- choosing -------------------------------------------------------------------------------

    def _restore(self) -> None:
        selection = self.context.selection
        if selection.dataset == FOLDER and selection.image_folder is not None:
            self._add_folder_item(selection.image_folder)
            self._start(LoadRequest(FOLDER, str(selection.image_folder)))
            return
        index = self.combo.findData(selection.dataset)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self._on_combo(self.combo.currentIndex())

    def _add_folder_item(self, folder: Path) -> None:
        self._folder = folder
        index = self.combo.findData(FOLDER)
        if index < 0:
            self.combo.insertSeparator(self.combo.count())
            self.combo.addItem("", FOLDER)
            index = self.combo.count() - 1
        self.combo.setItemText(index, _("Image folder: {name}").format(name=folder.name))
        self.combo.setItemData(index, str(folder), Qt.ItemDataRole.ToolTipRole)
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, _("Choose an image folder (one sub-folder per class)")
        )
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> None:
        self._add_folder_item(folder)
        self.context.set_dataset(FOLDER, folder)
        self._start(LoadRequest(FOLDER, str(folder)))

    def _on_combo(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name == FOLDER and self._folder is not None:
            self.open_folder(self._folder)
            return
        self.context.set_dataset(name)
        info = get_dataset_info(name)
        self.info.setText(self._describe(info))
        if info.is_available_offline():
            self._start(LoadRequest(name))
        else:
            self._retire_loader()  # the last choice's load must not fill in under this one
            self._clear_samples()
            size = DOWNLOAD_BYTES.get(name, 0) / 1e6
            self.download_button.setText(
                _("Download {title} ({size:.0f} MB)").format(title=_(info.title), size=size)
            )
            self._show_message(
                _(
                    "{title} is not on this computer yet. Download it once (about {size:.0f} "
                    "MB into the Keras cache); after that it works offline."
                ).format(title=_(info.title), size=size),
                error=False,
            )
            self._show_download_row(True, downloading=False)

    def _describe(self, info) -> str:
        if info.bundled:
            where = _("bundled with CNN Studio, works offline")
        elif info.is_available_offline():
            where = _("in the Keras cache, works offline")
        else:
            where = _("downloads once")
        return _(
            "<b>{title}</b>: {train:,} training and {validation:,} validation images of "
            "{shape}, {classes} classes; {where}. <span style='color:#666'>{description} "
            "License: {license}.</span>"
        ).format(
            title=_(info.title),
            train=info.train_size,
            validation=info.validation_size,
            shape=format_shape(info.image_shape),
            classes=info.num_classes,
            where=where,
            description=_(info.description),
            license=info.license,
        )

    # -- loading --------------------------------------------------------------------------------

    def download(self) -> None:
        name = self.combo.currentData()
        if name and name != FOLDER:
            self._start(LoadRequest(name))

    def cancel(self) -> None:
        if self._loader is not None:
            self._loader.stop()
            self.cancel_button.setEnabled(False)

    def _start(self, request: LoadRequest) -> None:
        """Load (or download) `request`, dropping whatever load was running."""
        self._retire_loader()
        self._clear_samples()
        self.message.hide()
        bundled = request.folder is not None or get_dataset_info(request.name).bundled
        if not bundled and not self.context.engine_ready:
            self._waiting_for_engine = request
            self._show_message(
                _("Keras reads this data set: loading starts as soon as the engine has loaded."),
                error=False,
            )
            return
        downloading = not bundled and not get_dataset_info(request.name).is_available_offline()
        self._show_download_row(downloading, downloading=True)
        self.progress.setRange(0, 0)  # busy until the first bytes arrive
        loader = DatasetLoader(request, self)
        loader.progress.connect(self._on_progress)
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)
        loader.cancelled.connect(self._on_cancelled)
        self._loader = loader
        self.setCursor(Qt.CursorShape.BusyCursor)
        loader.start()

    def _retire_loader(self) -> None:
        """A new choice supersedes the running load: cancel it, ignore its result, keep it
        until it has ended so `shutdown` can wait for it."""
        self._waiting_for_engine = None
        # Taken out first: stopping may run a slot at once that clears `self._loader`.
        loader, self._loader = self._loader, None
        if loader is not None:
            loader.stop()
            for signal in (loader.progress, loader.loaded, loader.failed, loader.cancelled):
                signal.disconnect()
            self._old_loaders.append(loader)
        self._old_loaders = [
            old for old in self._old_loaders if old is not None and old.isRunning()
        ]
        self.unsetCursor()

    def _on_engine_ready(self) -> None:
        if self._waiting_for_engine is not None:
            self._start(self._waiting_for_engine)
        self._update_download_enabled()

    def _on_engine_failed(self, message: str) -> None:
        if self._waiting_for_engine is not None:
            self._waiting_for_engine = None
            self._show_message(
                _(
                    "This data set needs Keras, which did not load ({message}). "
                    "The bundled 'mnist-5k' and image folders still work."
                ).format(message=message),
                error=True,
            )

    def _is_stale(self) -> bool:
        """Whether the signal being handled comes from a retired loader. Disconnecting does not
        withdraw a queued signal already posted from the loader's thread, so every slot asks."""
        # No sender (the loader went first) or another one: not the load in progress.
        sender = self.sender()
        return sender is None or sender is not self._loader

    def _on_progress(self, done: int, total: int) -> None:
        if self._is_stale():
            return
        # Megabytes keep the values well inside a QProgressBar's int range.
        self.progress.setRange(0, max(1, total // 1000))
        self.progress.setValue(done // 1000)
        self.progress.setFormat(
            _("{value:.1f} of {value2:.1f} MB").format(
                value=done / 1000000.0, value2=total / 1000000.0
            )
        )

    def _on_loaded(self, dataset: Dataset) -> None:
        if self._is_stale():
            return
        self._finish_load()
        self.dataset = dataset
        info = dataset.info
        if self.combo.currentData() != FOLDER:
            self.info.setText(self._describe(info))
        else:
            self.info.setText(
                _(
                    "<b>{title}</b>: {len:,} training and {len2:,} validation images of "
                    "{format_shape}, {num_classes} classes."
                ).format(
                    title=_(info.title),
                    len=len(dataset.train),
                    len2=len(dataset.validation),
                    format_shape=format_shape(info.image_shape),
                    num_classes=info.num_classes,
                )
            )
        names = info.class_names
        rows = sample_indices(dataset.train.labels, SAMPLES)
        self.grid.set_samples(
            dataset.train.images[rows], [names[int(dataset.train.labels[r])] for r in rows]
        )
        self.counts.show_dataset(dataset)
        self.report.show_report(dataset.report, self._folder)
        unmeasured = unmeasured_classes_note(dataset)
        if unmeasured:
            self._show_message(_("Warning: {note}.").format(note=unmeasured), error=False)

    def _on_failed(self, message: str) -> None:
        if self._is_stale():
            return
        self._finish_load()
        self._show_message(message, error=True)
        self._show_download_row(not self._current_is_local(), downloading=False)

    def _on_cancelled(self) -> None:
        if self._is_stale():
            return
        self._finish_load()
        self._show_message(_("Download cancelled; nothing was kept."), error=False)
        self._show_download_row(True, downloading=False)

    def _finish_load(self) -> None:
        if self._loader is not None:
            self._old_loaders.append(self._loader)
        self._loader = None
        self.unsetCursor()
        self._show_download_row(False)

    def _current_is_local(self) -> bool:
        name = self.combo.currentData()
        return name == FOLDER or get_dataset_info(name).bundled

    # -- showing --------------------------------------------------------------------------------

    def _clear_samples(self) -> None:
        self.dataset = None
        self.grid.clear()
        self.counts.setRowCount(0)
        self.report.show_report(None, None)

    def _show_message(self, text: str, *, error: bool) -> None:
        self.message.setStyleSheet(_ERROR_STYLE if error else _INFO_STYLE)
        self.message.setText(text)
        self.message.show()

    def _show_download_row(self, visible: bool, *, downloading: bool = False) -> None:
        self.download_button.setVisible(visible and not downloading)
        self.progress.setVisible(visible and downloading)
        self.cancel_button.setVisible(visible and downloading)
        self.cancel_button.setEnabled(True)
        self._update_download_enabled()

    def _update_download_enabled(self) -> None:
        ready = self.context.engine_ready
        self.download_button.setEnabled(ready)
        self.download_button.setToolTip("" if ready else _("Available once the engine has loaded"))

    def loading(self) -> bool:
        return self._loader is not None

    def is_ready(self) -> bool:
        """Nothing loading or waiting: samples, a message or the download offer are shown."""
        return self._loader is None and self._waiting_for_engine is None

    def shutdown(self) -> None:
        self._retire_loader()
        for loader in self._old_loaders:
            loader.stop_and_wait()
        self._old_loaders.clear()
