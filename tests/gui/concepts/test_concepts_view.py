"""The Concepts view: each concept shown by its key through `conceptRequested`, each page's
numbers equal to the engine's (which tests/engine/concepts checks against Keras and NumPy), and
the residual page's live measurement."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from cnnstudio.engine.concepts import arithmetic as ar
from cnnstudio.engine.concepts.normalization import norm_statistics
from cnnstudio.gui.concepts.concepts_view import CONCEPTS, ConceptsView
from cnnstudio.gui.ground.context import StudioContext

KEYS = [
    "convolution",
    "pooling",
    "normalization",
    "dropout",
    "one_by_one",
    "residual",
    "activations",
    "receptive_field",
]


@pytest.fixture
def view(qtbot):
    context = StudioContext()
    widget = ConceptsView(context)
    qtbot.addWidget(widget)
    widget.resize(860, 640)
    widget.show()
    yield widget
    widget.shutdown()


def test_the_keys_are_the_ones_other_views_use():
    assert [key for key, _title in CONCEPTS] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_a_requested_concept_is_shown_and_the_view_asked_for(view, qtbot, key):
    with qtbot.waitSignal(view.context.viewRequested) as asked:
        view.context.conceptRequested.emit(key)
    assert asked.args == ["concepts"]
    assert view.current_concept() == key
    assert view.stack.currentWidget() is view.pages[key]


def test_an_unknown_concept_is_ignored(view):
    view.context.conceptRequested.emit("no-such-concept")
    assert view.current_concept() == "convolution"
    with pytest.raises(KeyError):
        view.show_concept("no-such-concept")


def test_the_window_brings_the_concepts_view_forward(qtbot):
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext(), use_settings=False)
    qtbot.addWidget(window)
    keys = window.view_keys()
    assert keys.index("concepts") == keys.index("graph") + 1
    window.context.conceptRequested.emit("pooling")
    qtbot.waitUntil(lambda: window.current_view() == "concepts")
    assert window.view("concepts").current_concept() == "pooling"


def test_convolution_numbers_are_the_engines(view):
    page = view.pages["convolution"]
    page.n.setValue(6)
    page.k.setValue(3)
    page.p.setValue(1)
    page.s.setValue(2)
    assert page.size == ar.conv_output_size(6, 3, 1, 2) == 3
    assert "floor((6 + 2×1 − 3) / 2) + 1 = 3" in page.size_text.text()
    page.slider.setValue(page.slider.maximum())
    np.testing.assert_array_equal(
        page.output_grid.values, ar.correlate(page.image, page.kernel, 1, 2)
    )
    page.k.setValue(5)
    page.c_in.setValue(1)
    page.c_out.setValue(6)
    assert page.params_text.text().endswith("5*5*1*6 + 6 = 156")
    assert page.params == ar.conv_params(5, 1, 6)
    text = page.stack_text.text()
    assert "2 × (3×3) = 18" in text and "5×5 = 25" in text
    page.depth.setValue(3)
    assert page.stack.fields == (3, 5, 7)


def test_the_play_button_steps_the_window(view, qtbot):
    page = view.pages["convolution"]
    page.slider.setValue(0)
    page.play.setChecked(True)
    qtbot.waitUntil(lambda: page.slider.value() >= 2)
    page.play.setChecked(False)
    assert not page._timer.isActive()


def test_pooling_numbers_are_the_engines_and_numpys(view):
    page = view.pages["pooling"]
    page.k.setValue(3)
    page.s.setValue(1)
    grid = page.input_grid.values
    windows = sliding_window_view(grid, (3, 3))
    np.testing.assert_array_equal(page.maxima, windows.max(axis=(2, 3)))
    np.testing.assert_allclose(page.means, windows.mean(axis=(2, 3)))
    np.testing.assert_array_equal(page.maxima, ar.pool(grid, 3, 1, "max"))
    assert page.size == 4


@pytest.mark.parametrize(
    ("kind", "axes"),
    [("batch", (0, 2, 3)), ("layer", (1, 2, 3)), ("instance", (2, 3))],
)
def test_normalization_statistics_are_the_engines_and_numpys(view, kind, axes):
    page = view.pages["normalization"]
    page.show_kind(kind)
    assert page.stats.kind == kind
    np.testing.assert_allclose(page.stats.means, page.batch.mean(axis=axes).ravel())
    np.testing.assert_allclose(page.stats.variances, page.batch.var(axis=axes).ravel())
    expected = norm_statistics(page.batch, kind)
    np.testing.assert_array_equal(page.stats.means, expected.means)


def test_group_normalization_follows_the_group_count(view):
    page = view.pages["normalization"]
    page.show_kind("group")
    page.groups.setCurrentIndex(page.groups.findData(3))
    assert page.stats.group_count == 4 * 3
    page.grid.groupClicked.emit(5)
    assert page.chosen == 5 and f"{page.stats.means[5]:.3f}" in page.summary.text()


def test_dropout_drops_in_training_only_and_scales_the_kept(view):
    from cnnstudio.gui.concepts.dropout import _VALUES

    page = view.pages["dropout"]
    page.rate.setValue(40)
    first = page.mask.copy()
    page.reroll.click()
    assert not np.array_equal(first, page.mask)
    np.testing.assert_allclose(page.outputs, np.where(page.mask, _VALUES / 0.6, 0.0))
    np.testing.assert_allclose(page.units.outputs, page.outputs)
    assert page.mean_sum == pytest.approx(_VALUES.sum(), rel=0.03)  # the expected sum kept
    page.inference.setChecked(True)
    assert page.mask.all()
    np.testing.assert_allclose(page.outputs, _VALUES)


def test_one_by_one_costs_are_the_engines_and_by_hand(view):
    page = view.pages["one_by_one"]
    assert page.direct.macs == 5 * 5 * 192 * 32 * 28 * 28
    assert page.reduced.macs == (192 * 16 + 5 * 5 * 16 * 32) * 28 * 28
    page.c_reduce.setValue(24)
    assert page.reduced == ar.bottleneck_costs(28, 192, 24, 32, 5)[1]
    assert page.cells["weights", "reduced"].text().endswith("= 23,808")


def test_receptive_fields_are_the_engines_and_the_layer_statistics(view):
    import keras

    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

    page = view.pages["receptive_field"]
    page.convs.setValue(5)
    page.every.setValue(2)
    page.stride.setValue(2)
    stack = page.stack()
    assert page.steps == ar.receptive_fields([(k, s) for _kind, k, s in stack])
    inputs = keras.Input((96, 96, 1))
    x = inputs
    for index, (kind, k, s) in enumerate(stack):
        if kind == "pool":
            x = keras.layers.MaxPooling2D(k, strides=s, name=f"layer{index}")(x)
        else:
            x = keras.layers.Conv2D(1, k, strides=s, padding="same", name=f"layer{index}")(x)
    stats = compute_model_stats(keras.Model(inputs, x))
    for index, step in enumerate(page.steps):
        assert stats.layer(f"layer{index}").receptive_field.size == (step.field, step.field)
    page.slider.setValue(2)
    assert page.formula.text().startswith("Layer 3: r = 7 + (2 − 1) × 2 = 9, j = 2 × 2 = 4")


def test_the_gradient_pages_wait_for_the_engine(view):
    view.show_concept("residual")
    page = view.pages["residual"]
    assert page.probe.worker is None and page.probe.pending is not None
    assert "engine" in page.status.text()


def test_the_residual_twin_gets_more_gradient_at_its_first_layer(view, qtbot):
    view.show_concept("residual")
    page = view.pages["residual"]
    view.context.mark_engine_ready()
    qtbot.waitUntil(lambda: page.result is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not page.probe.busy(), timeout=60_000)
    result = page.result
    assert len(result.plain) == 20 and result.request.activation == "sigmoid"
    assert result.plain[0] < result.residual[0]
    assert page.plain.values == result.plain and page.residual.values == result.residual
    assert f"{result.plain[0]:.2e}" in page.status.text()


def test_the_activation_page_plots_the_engines_functions_and_measures(view, qtbot):
    view.context.mark_engine_ready()
    view.show_concept("activations")
    page = view.pages["activations"]
    x = np.linspace(-5, 5, 201)
    np.testing.assert_allclose(page.slopes.curves["sigmoid"], ar.derivative("sigmoid", x))
    np.testing.assert_allclose(page.functions.curves["tanh"], np.tanh(x))
    qtbot.waitUntil(lambda: page.result is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not page.probe.busy(), timeout=60_000)
    assert page.result.plain[0] < page.result.plain[-1] / 100  # vanishing through sigmoids
