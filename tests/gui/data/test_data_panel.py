"""The data panel: samples and counts, image folders with their report, downloads offline."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from cnnstudio.gui.data.data_panel import DataPanel, sample_indices
from cnnstudio.gui.ground.context import StudioContext

LOAD_TIMEOUT_MS = 60_000  # a Keras data set's first load imports TensorFlow


@pytest.fixture
def panel(qtbot):
    panel = DataPanel(StudioContext())
    qtbot.addWidget(panel)
    panel.show()
    yield panel
    panel.shutdown()
    assert not panel.loading() and not panel._old_loaders


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """No Keras data set is cached (Keras reads KERAS_HOME once, at import)."""
    import keras.src.backend.config as keras_config

    home = tmp_path / "keras_home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    return home


def test_bundled_mnist_5k_is_selected_with_samples_and_class_counts(panel, qtbot):
    assert panel.combo.currentData() == "mnist-5k"
    qtbot.waitUntil(panel.is_ready, timeout=LOAD_TIMEOUT_MS)
    assert panel.grid.count() == 40
    assert panel.grid.labels()[:10] == [str(digit) for digit in range(10)]
    counts = panel.counts
    assert counts.rowCount() == 11  # ten digits and the total
    assert [counts.item(row, 1).text() for row in range(10)] == ["400"] * 10
    assert [counts.item(10, column).text() for column in range(3)] == ["Total", "4,000", "1,000"]
    assert "works offline" in panel.info.text()
    assert panel.report.isHidden() and panel.message.isHidden()


def test_samples_take_every_class_in_turn():
    labels = np.array([3, 3, 3, 1, 1, 2])
    assert sample_indices(labels, 5) == [0, 3, 5, 1, 4]
    assert sample_indices(labels, 40) == [0, 3, 5, 1, 4, 2]


def test_image_folder_report_lists_the_skipped_files(panel, qtbot, tmp_path):
    root = tmp_path / "shapes"
    for index, name in enumerate(("circle", "square")):
        (root / name).mkdir(parents=True)
        for number in range(5):
            pixels = np.full((16, 16, 3), 30 * number + 100 * index, np.uint8)
            Image.fromarray(pixels).save(root / name / f"{number}.png")
    (root / "square" / "broken.png").write_bytes(b"this is not a PNG")
    (root / "circle" / "notes.txt").write_text("hello")

    panel.open_folder(root)
    qtbot.waitUntil(panel.is_ready, timeout=LOAD_TIMEOUT_MS)
    assert panel.context.selection.dataset == "folder"
    assert panel.context.selection.image_folder == root
    assert panel.combo.currentText() == "Image folder: shapes"
    assert not panel.report.isHidden()
    assert panel.report.title() == "Loaded 10 images; skipped 2 files"
    lines = panel.report.lines()
    assert any(line.startswith("square/broken.png: not a readable image") for line in lines)
    assert any("notes.txt" in line and "not an image file type" in line for line in lines)
    assert set(panel.grid.labels()) == {"circle", "square"}
    assert panel.counts.item(2, 0).text() == "Total"
    assert panel.message.isHidden()  # every class has validation images

    # A class of one image stays in training: validation cannot measure it, and it says so.
    (root / "triangle").mkdir()
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(root / "triangle" / "0.png")
    panel.open_folder(root)
    qtbot.waitUntil(panel.is_ready, timeout=LOAD_TIMEOUT_MS)
    assert not panel.message.isHidden()
    assert "no validation image for class(es) 'triangle' (1 image)" in panel.message.text()


def test_a_keras_data_set_waits_for_the_engine_before_loading(panel, empty_keras_home):
    panel.combo.setCurrentIndex(panel.combo.findData("mnist"))
    assert panel.context.selection.dataset == "mnist"
    assert "Download it once" in panel.message.text()
    assert not panel.download_button.isHidden()
    assert not panel.download_button.isEnabled()  # needs Keras: enabled with the engine
    panel.context.mark_engine_ready()
    assert panel.download_button.isEnabled()


def test_offline_download_shows_a_clear_message(panel, qtbot, empty_keras_home, monkeypatch):
    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    panel.context.mark_engine_ready()
    panel.combo.setCurrentIndex(panel.combo.findData("mnist"))
    panel.download_button.click()
    qtbot.waitUntil(panel.is_ready, timeout=LOAD_TIMEOUT_MS)
    text = panel.message.text()
    assert "is not in the Keras cache, and downloading it failed" in text
    assert str(empty_keras_home / "datasets") in text and "mnist-5k" in text
    # The data sets by the names the menu shows: one name per thing.
    assert text.startswith("MNIST is not") and "Or choose MNIST (5,000-digit subset)" in text
    assert "fdecea" in panel.message.styleSheet()  # shown as an error
    assert not panel.download_button.isHidden()  # ready to try again
    assert panel.grid.count() == 0


def test_a_superseded_load_never_reports_into_the_new_one(
    panel, qtbot, empty_keras_home, monkeypatch
):
    """The bundled set's load ends, its `loaded` still queued, while the person picks a set
    to download: that stale result must neither show nor end the download's wait."""

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    panel._loader.wait()  # finished on its thread; its signal waits for this thread's loop
    panel.context.mark_engine_ready()
    panel.combo.setCurrentIndex(panel.combo.findData("mnist"))
    panel.download_button.click()
    qtbot.waitUntil(panel.is_ready, timeout=LOAD_TIMEOUT_MS)
    assert "downloading it failed" in panel.message.text()
    assert panel.grid.count() == 0  # no mnist-5k samples under the MNIST choice


def test_cancel_stops_a_download_and_keeps_nothing(panel, qtbot, empty_keras_home, monkeypatch):
    def slow(url, filename, reporthook=None, data=None):
        with open(filename, "wb") as file:
            for block in range(100_000):
                file.write(b"\0" * 8192)
                reporthook(block, 8192, 11_490_434)
                time.sleep(0.005)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(urllib.request, "urlretrieve", slow)
    panel.context.mark_engine_ready()
    panel.combo.setCurrentIndex(panel.combo.findData("mnist"))
    panel.download_button.click()
    qtbot.waitUntil(lambda: panel.progress.value() > 100, timeout=LOAD_TIMEOUT_MS)
    assert not panel.progress.isHidden() and not panel.cancel_button.isHidden()
    assert "of 11.5 MB" in panel.progress.format()
    panel.cancel_button.click()
    qtbot.waitUntil(panel.is_ready, timeout=10_000)
    assert panel.message.text() == "Download cancelled; nothing was kept."
    # The hook raised DownloadCancelled inside urlretrieve; Keras removed the partial file.
    assert not (empty_keras_home / "datasets" / "mnist.npz").exists()
