"""The Explain view on a run holding the bundled LeNet-5: samples of its data set explained, the
maps per stage, the sanity check, the layer tab's activations and a unit's receptive field,
a damaged image refused with one message; every figure checked against the model in the test."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.engine.insight.lenet_run import make_lenet_run


@pytest.fixture
def lenet_run():
    return make_lenet_run()


@pytest.fixture
def view(qtbot, lenet_run):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.insight.explain_view import ExplainView
    from cnnstudio.gui.widgets.trained_models import RUN, ModelSource

    context = StudioContext()
    context.mark_engine_ready()
    widget = ExplainView(context)
    qtbot.addWidget(widget)
    widget.resize(1000, 680)
    source = ModelSource(RUN, str(lenet_run.path), "the run")
    widget.chooser.choose(source)
    with qtbot.waitSignal(widget.explanationShown, timeout=60_000):
        widget.show()
    yield widget
    widget.shutdown()


def _model(run):
    return keras.models.load_model(run.model_file, compile=False)


def test_a_sample_is_explained_for_its_predicted_class_stage_by_stage(view, lenet_run):
    from cnnstudio.engine.data.datasets import load_dataset

    assert view.model.dataset == "mnist-5k"
    split = load_dataset("mnist-5k").validation
    assert view.image.true_class == int(split.labels[0])
    expected = np.asarray(_model(lenet_run)(view.image.fitted[np.newaxis]))[0]
    with_stages = view.attention
    # The map the view shows is for the class the model predicts, named with its probability.
    caption = with_stages.map_tile.caption.text()
    assert str(int(expected.argmax())) in caption
    assert with_stages.map_tile.view.image is not None
    assert with_stages.random_tile.view.image is not None  # the sanity check, beside it
    assert "rank correlation" in with_stages.verdict.text()
    shown = [tile for tile in with_stages.stage_tiles if not tile.isHidden()]
    assert len(shown) == len(view.model.stage_names) >= 2


def test_the_class_asked_is_the_class_explained(view, qtbot):
    with qtbot.waitSignal(
        view.explanationShown, check_params_cb=lambda e: e.target == 3, timeout=30_000
    ):
        view.attention.target.setCurrentIndex(view.attention.target.findData(3))
    assert view.attention.map_tile.caption.text().split(" for ")[1].startswith("3")


def test_the_layer_tab_shows_every_channel_and_a_units_field(view, qtbot, lenet_run):
    layer = view.model.layer_names[0]
    with qtbot.waitSignal(view.layerShown, timeout=30_000):
        view.tabs.setCurrentWidget(view.layers)
    model = _model(lenet_run)
    inner = model.layers[-1] if isinstance(model.layers[-1], keras.Model) else model
    channels = inner.get_layer(layer).output.shape[-1]
    grid = view.layers.grid
    assert len(grid.images) == channels
    rect = grid.cell_rect(0)
    with qtbot.waitSignal(view.fieldShown, timeout=30_000) as shown:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=rect.center())
    field = shown.args[0]
    box = view.layers.field_tile.view.box
    assert box == (field.box.top, field.box.left, field.box.bottom, field.box.right)
    # The effective field lies inside the theoretical box.
    outside = field.effective.copy()
    outside[box[0] : box[2] + 1, box[1] : box[3] + 1] = 0
    assert outside.max() == 0.0 and field.effective.max() > 0


def test_a_damaged_image_is_refused_with_one_message_that_goes_with_its_cause(
    view, qtbot, tmp_path
):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    view.open_image(str(broken))
    qtbot.waitUntil(lambda: view.message.isVisibleTo(view), timeout=30_000)
    assert "broken.png" in view.message.text()
    with qtbot.waitSignal(view.explanationShown, timeout=30_000):
        view.show_sample(5)
    assert not view.message.isVisibleTo(view)
    assert "6 of" in view.image_label.text()


def test_pixels_handed_over_are_explained(view, qtbot):
    pixels = np.zeros((28, 28, 1), np.uint8)
    pixels[4:24, 13:16] = 255  # a one
    with qtbot.waitSignal(view.explanationShown, timeout=30_000):
        view.explain_pixels(view.model.source, pixels, "a drawn one")
    assert view.image_label.text() == "a drawn one"
    # LeNet-5 reads 32 x 32: the 28 x 28 digit, padded with two pixels of background each side.
    assert view.image.fitted.shape == (32, 32, 1)
    np.testing.assert_allclose(view.image.fitted[2:30, 2:30, 0], pixels[..., 0] / 255.0, atol=1e-6)
    assert view.image.fitted[:2].max() == 0.0


def test_grid_clicks_name_the_unit_under_the_mouse(qtbot):
    from cnnstudio.gui.widgets.feature_maps import FeatureMapGrid

    grid = FeatureMapGrid("conv", "conv", cell=40, max_columns=2)
    qtbot.addWidget(grid)
    grid.set_maps(np.zeros((4, 4, 3), np.float32))
    second_row = grid.cell_rect(2)  # the third map: first column of the second row
    point = second_row.topLeft() + QPoint(35, 5)  # the top-right unit of that map
    assert grid.unit_at(point) == (2, 0, 3)


def test_the_graph_opens_a_layer_of_its_trained_model_in_the_explain_view(qtbot, lenet_run):
    from cnnstudio.gui.shell.main_window import MainWindow
    from tests.gui.training_helpers import ready_context

    window = MainWindow(ready_context(), use_settings=False)
    qtbot.addWidget(window)
    window.show()
    explain = window.view("explain")
    # The view may show the bundled model's first layer while the run's model loads.
    with qtbot.waitSignal(
        explain.layerShown, check_params_cb=lambda layer: layer == "s2_pool", timeout=60_000
    ):
        window.view("graph").lookIntoRequested.emit(str(lenet_run.path), "s2_pool")
    assert window.current_view() == "explain"
    assert explain.model.source.location == str(lenet_run.path)
    assert explain.layers.current_layer() == "s2_pool"
    assert len(explain.layers.grid.images) == 6  # LeNet-5's S2: six maps
    window.close()
