"""The gallery reads image-folder items with the engine's reader, off the GUI thread: a readable
file becomes its thumbnail, a missing or damaged one a placeholder with its reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from cnnstudio.engine.insight.galleries import Prediction


@pytest.fixture
def loader():
    from cnnstudio.gui.insight.evaluation_worker import ThumbnailLoader

    worker = ThumbnailLoader()
    yield worker
    assert worker.stop_and_wait()


def test_unreadable_files_show_a_placeholder_and_their_reason(loader, qtbot, tmp_path):
    from cnnstudio.gui.insight.gallery import GalleryModel

    good = tmp_path / "good.png"
    Image.fromarray(np.full((40, 30), 200, np.uint8)).save(good)
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(b"\x89PNG\r\n\x1a\n but nothing after the signature")
    missing = tmp_path / "gone.png"
    items = [str(good), str(missing), str(damaged)]
    predictions = [Prediction(i, item, 0, 1, 0.9 - i / 10, 1.0) for i, item in enumerate(items)]
    model = GalleryModel(loader=loader)
    images = np.zeros((3, 28, 28, 1), np.uint8)  # the evaluated size and channels
    model.set_evaluation(predictions, ["cat", "dog"], images)
    model.set_rows([0, 1, 2])
    for row in range(3):  # as the view asks for what it shows
        model.data(model.index(row), Qt.ItemDataRole.DecorationRole)
    assert model.thumbnail_state(0)[0] == "loading"
    qtbot.waitUntil(lambda: all(model.thumbnail_state(r)[0] != "loading" for r in range(3)))
    assert model.thumbnail_state(0) == ("ready", "")
    state, reason = model.thumbnail_state(1)
    assert state == "failed" and reason == "no such file"
    state, reason = model.thumbnail_state(2)
    assert state == "failed" and reason
    for row in (1, 2):
        index = model.index(row)
        reason = model.thumbnail_state(row)[1]
        assert reason in model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert reason in model.data(index, Qt.ItemDataRole.DisplayRole)
        assert items[row] in model.data(index, Qt.ItemDataRole.ToolTipRole)
        placeholder = model.data(index, Qt.ItemDataRole.DecorationRole)
        assert placeholder.cacheKey() == model._broken.cacheKey()
    caption = model.data(model.index(0), Qt.ItemDataRole.DisplayRole)
    assert caption == "cat / dog / 90%\ngood.png"


def test_an_index_outside_the_evaluated_data_is_a_placeholder_not_an_error(qtbot):
    from cnnstudio.gui.insight.gallery import GalleryModel

    model = GalleryModel()
    model.set_evaluation(
        [Prediction(0, 5, 0, 0, 0.5, 0.7)], ["a", "b"], np.zeros((2, 4, 4, 1), np.uint8)
    )
    model.set_rows([0])
    assert model.thumbnail_state(0)[0] == "failed"
    assert model.data(model.index(0), Qt.ItemDataRole.DecorationRole) is not None
