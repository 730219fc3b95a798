"""The layer graph view: follows the picker, collapses and expands, inspects, searches, zooms.

Models are built without weights (engine.graph_source), and deep ones stay collapsed except
where a test opens one block, so each test costs well under a second after TensorFlow's import.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from cnnstudio.gui.graph.graph_view import GraphView
from cnnstudio.gui.graph.items import NodeItem
from cnnstudio.gui.ground.context import StudioContext

READY_MS = 120_000  # the first build imports TensorFlow and the zoo


@pytest.fixture
def view(qtbot):
    view = GraphView(StudioContext())
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.context.mark_engine_ready()  # the worker imports the engine itself
    qtbot.waitUntil(view.is_ready, timeout=READY_MS)
    yield view
    view.shutdown()
    assert not view.worker.isRunning()


def show_model(qtbot, view: GraphView, name: str, options: dict | None = None) -> None:
    view.context.set_model(name, options)
    qtbot.waitUntil(view.is_ready, timeout=READY_MS)
    assert view.result is not None and view.result.error is None


def node_types(view: GraphView) -> set[str]:
    return {node.type for node in view.result.graph.nodes}


def wait_for_nodes(qtbot, view: GraphView, before) -> None:
    qtbot.waitUntil(lambda: view.is_ready() and view.result is not before, timeout=READY_MS)


def frames(view: GraphView) -> list[str]:
    from cnnstudio.gui.graph.items import BlockFrame

    return sorted(item.name for item in view.scene.items() if isinstance(item, BlockFrame))


def test_the_view_shows_the_pickers_model_with_its_options(view, qtbot):
    assert view.result.request.model == "lenet5"  # the first start's model
    assert "AveragePooling2D" in node_types(view)
    assert view.busy.isHidden()
    view.context.set_model("lenet5", {"pooling": "max"})
    # The work goes to the worker: the window says so and goes on.
    assert not view.busy.isHidden() and not view.is_ready()
    show_model(qtbot, view, "lenet5", {"pooling": "max"})
    assert view.busy.isHidden() and view.status.text().startswith("ready in")
    assert "MaxPooling2D" in node_types(view) and "AveragePooling2D" not in node_types(view)
    assert set(view.scene.nodes) == {node.id for node in view.result.graph.nodes}
    assert len(view.scene.edges) == len(view.result.graph.edges)
    assert "LeNet-5" in view.title.text()
    assert view.legend.kinds[0] == "input" and "pool" in view.legend.kinds


def test_a_bad_input_is_one_line_and_the_view_keeps_working(view, qtbot):
    view.context.set_model("lenet5", {"pooling": "no-such-pooling"})
    qtbot.waitUntil(view.is_ready, timeout=READY_MS)
    assert view.result is None or view.result.request.options != (("pooling", "no-such-pooling"),)
    assert "pooling" in view.status.toolTip() and "\n" not in view.status.toolTip()
    show_model(qtbot, view, "lenet5", {"pooling": "max"})
    assert "MaxPooling2D" in node_types(view)


def test_deep_models_open_collapsed_and_blocks_expand_and_collapse_consistently(view, qtbot):
    show_model(qtbot, view, "inception_v1")
    result = view.result
    stats = result.stats
    collapsed = result.graph.node("inception_3a")
    assert collapsed.collapsed and len(result.graph.nodes) < len(stats.layers)

    def totals() -> tuple[int, int]:
        nodes = view.result.graph.nodes
        return sum(n.params for n in nodes), sum(n.macs for n in nodes)

    assert totals() == (stats.params, stats.macs)
    before = view.result
    view.canvas.nodeActivated.emit("inception_3a")  # what a double click emits
    wait_for_nodes(qtbot, view, before)
    expanded = view.result.graph
    assert len(expanded.nodes) == len(result.graph.nodes) - 1 + len(collapsed.layers)
    assert "inception_3a_1x1_conv" in view.scene.nodes and "inception_3a" not in expanded
    assert frames(view) == ["inception_3a"]  # its layers framed, under its name
    assert totals() == (stats.params, stats.macs)

    before = view.result
    view.toggle_node("inception_3a_1x1_conv")  # a member's double click closes its block
    wait_for_nodes(qtbot, view, before)
    assert [n.id for n in view.result.graph.nodes] == [n.id for n in result.graph.nodes]
    assert "inception_3a" not in frames(view)

    before = view.result
    view.expand_all_button.click()
    wait_for_nodes(qtbot, view, before)
    assert len(view.result.graph.nodes) == len(stats.layers)
    assert len(view.scene.edges) == len(stats.edges())
    before = view.result
    view.collapse_all_button.click()
    wait_for_nodes(qtbot, view, before)
    blocks = set(view.result.blocks)
    assert not any(set(n.blocks) & blocks for n in view.result.graph.nodes)  # none opened
    assert totals() == (stats.params, stats.macs)


def test_double_clicking_a_node_item_activates_it(view, qtbot):
    item = view.scene.node_item("c1_conv")
    view.canvas.centerOn(item)
    point = view.canvas.mapFromScene(item.sceneBoundingRect().center())
    with qtbot.waitSignal(view.canvas.nodeActivated) as signal:
        qtbot.mouseDClick(view.canvas.viewport(), qtbot_button(), pos=point)
    assert signal.args == ["c1_conv"]


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_selecting_a_layer_fills_the_inspector_with_its_formula(view):
    view.scene.select_node("c1_conv")
    text = view.inspector.plain_text()
    assert "c1_conv" in text and "Conv2D" in text
    assert "5*5*1*6 + 6 = 156" in text
    assert "Receptive field" in text and "5 px" in text
    assert "MACs" in text
    view.scene.select_node("c5_flatten")
    assert "Parameters" in view.inspector.plain_text() and "none" in view.inspector.plain_text()


def test_a_collapsed_block_shows_its_totals(view, qtbot):
    show_model(qtbot, view, "inception_v1")
    view.scene.select_node("inception_3a")
    node = view.result.graph.node("inception_3a")
    text = view.inspector.plain_text()
    assert f"{node.params:,}" in text and f"{len(node.layers)} layers" in text
    assert "inception_3a_5x5_conv" in text


def test_search_highlights_matches_and_enter_goes_to_the_next(view, qtbot):
    view.search.field.setText("tanh")
    matches = view.search.matches
    assert matches == [n.id for n in view.result.graph.nodes if "tanh" in n.id]
    assert len(matches) >= 3
    assert all(view.scene.nodes[m].matched for m in matches)
    assert not view.scene.nodes["c1_conv"].matched
    assert view.scene.selected_node().id == matches[0]
    qtbot.keyClick(view.search.field, "\r")
    assert view.scene.selected_node().id == matches[1]
    assert view.search.count.text() == f"2 of {len(matches)}"
    view.search.field.setText("Conv2D")  # by type too
    assert set(view.search.matches) == {"c1_conv", "c3_conv", "c5_conv"}
    view.search.field.setText("no-such-layer")
    assert view.search.matches == [] and "no match" in view.search.count.text()
    assert not any(item.matched for item in view.scene.nodes.values())


def test_wheel_zoom_keeps_the_point_under_the_cursor(view):
    canvas = view.canvas
    canvas.set_zoom(3.0)  # larger than the viewport both ways, so nothing is centred by Qt
    anchor = QPointF(200, 150)
    before = canvas.mapToScene(anchor.toPoint())
    canvas.zoom_by(1.25, anchor)
    assert canvas.zoom() == pytest.approx(3.75)
    after = canvas.mapToScene(anchor.toPoint())
    assert abs(after.x() - before.x()) < 2 and abs(after.y() - before.y()) < 2
    canvas.fit()
    assert canvas.zoom() <= 1.0
    graph = view.scene.graph_rect()
    # The whole graph when it reads so, else its input at the smallest readable scale.
    assert canvas.visible_rect().contains(graph.center()) or (
        canvas.visible_rect().top() <= graph.top() + 1
    )


def test_the_minimap_moves_the_view(view, qtbot):
    canvas, minimap = view.canvas, view.minimap
    canvas.set_zoom(1.0)
    minimap.repaint()
    target = minimap.frame_rect()
    assert not target.isEmpty()
    bottom = QPointF(minimap.width() / 2, minimap.height() - 4)
    qtbot.mouseClick(minimap, qtbot_button(), pos=bottom.toPoint())
    assert canvas.visible_rect().bottom() >= view.scene.graph_rect().bottom() - 5
    assert minimap.frame_rect() != target


def test_metric_switch_changes_the_bars(view):
    c5 = view.scene.nodes["c5_conv"]
    params_share = c5.share
    view.metric_choice.setCurrentIndex(view.metric_choice.findData("macs"))
    assert view.scene.metric == "macs" and c5.share != params_share
    assert "MACs" in c5.share_text
    assert all(isinstance(item, NodeItem) for item in view.scene.nodes.values())


def test_exports_write_svg_with_the_labels_and_png(view, tmp_path):
    import xml.etree.ElementTree as ET

    from PySide6.QtGui import QImage

    (svg,) = view.export(tmp_path / "lenet.svg")
    texts = [e.text or "" for e in ET.parse(svg).iter() if e.tag.endswith("text")]
    texts = [t.strip() for t in texts]
    for node in view.result.graph.nodes:
        assert texts.count(node.label) == 1, node.label
    assert any("5*5" in t or "156 params" in t for t in texts)
    (png,) = view.export(tmp_path / "lenet.png")
    image = QImage(str(png))
    assert not image.isNull()
    assert image.height() >= view.scene.graph_rect().height()
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        view.export(tmp_path / "lenet.gif")


def test_a_tall_png_is_split_into_pages_at_full_scale(view, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage

    from cnnstudio.gui.graph import export

    monkeypatch.setattr(export, "MAX_SIDE", 600)
    pages = view.export(tmp_path / "lenet.png")
    assert len(pages) >= 2 and [p.name for p in pages][:2] == ["lenet-1.png", "lenet-2.png"]
    images = [QImage(str(p)) for p in pages]
    assert all(0 < i.height() <= 600 and 0 < i.width() <= 600 for i in images)
    # Not squeezed: the pages add up to the whole picture at 100 %.
    assert sum(i.height() for i in images) >= view.scene.graph_rect().height()


def test_a_trained_model_shows_weight_statistics_and_filters(view, qtbot, tmp_path):
    import keras

    from cnnstudio.models import create_model

    # As the engine saves a run's model: the zoo model behind an input layer of its own.
    inputs = keras.Input((32, 32, 1), name="images")
    scaled = keras.layers.Rescaling(1 / 255, name="scale")(inputs)
    outputs = create_model("lenet5", (32, 32, 1), 10)(scaled)  # 62 k weights: small and real
    path = tmp_path / "lenet.keras"
    keras.Model(inputs, outputs).save(path)
    view.show_trained(path)
    qtbot.waitUntil(view.is_ready, timeout=READY_MS)
    assert view.result.request.trained == str(path) and view.result.model is not None
    assert "lenet.keras" in view.title.text()
    assert "c1_conv" in view.scene.nodes and "scale" not in view.scene.nodes  # the inner model
    view.scene.select_node("c1_conv")
    assert "5*5*1*6 + 6 = 156" in view.inspector.plain_text()
    qtbot.waitUntil(lambda: "kernel" in view.inspector.weights.toPlainText(), timeout=30_000)
    weights = view.inspector.weights.toPlainText()
    assert "bias" in weights and "zeros" in weights
    assert not view.inspector.filters_area.isHidden()
    pixmap = view.inspector.filters.pixmap()
    assert pixmap is not None and pixmap.width() > 6 * 5  # six 5x5 filters, scaled up
    # A spatial layer of a trained model can be opened in the Explain view; a vector cannot.
    assert view.inspector.look_button.isVisibleTo(view)
    with qtbot.waitSignal(view.lookIntoRequested) as asked:
        view.inspector.look_button.click()
    assert asked.args == [str(path), "c1_conv"]
    view.scene.select_node("f6_dense")
    assert not view.inspector.look_button.isVisibleTo(view)
    # Picking a model in the picker shows that model again.
    show_model(qtbot, view, "lenet5", {"pooling": "max"})
    assert view.result.model is None and view.inspector.weights.isHidden()


def test_the_compare_button_shows_the_comparison_in_place_of_the_graph(view, qtbot):
    from cnnstudio.gui.graph.compare_panel import ComparePanel

    assert isinstance(view.compare_page, ComparePanel)
    view.compare_button.click()
    assert view.pages.currentWidget() is view.compare_page and view.side.isHidden()
    qtbot.waitUntil(lambda: view.compare_page.comparison is not None, timeout=READY_MS)
    qtbot.waitUntil(lambda: not view.compare_page.busy(), timeout=READY_MS)
    assert view.compare_page.table.rowCount() > 2
    view.compare_button.click()
    assert view.pages.currentWidget() is view.canvas and not view.side.isHidden()


def test_the_wheel_zooms_and_dragging_the_background_pans(view, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    canvas = view.canvas
    canvas.set_zoom(2.0)
    viewport = canvas.viewport()
    at = QPointF(40, 40)  # background: the graph is a column in the middle
    wheel = QWheelEvent(
        at, canvas.mapToGlobal(at.toPoint()).toPointF(), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False,
    )  # fmt: skip
    QApplication.sendEvent(viewport, wheel)
    assert canvas.zoom() == pytest.approx(2.0 * 1.2)
    bar = canvas.verticalScrollBar()
    before = bar.value()
    start = QPoint(40, 300)
    assert canvas.itemAt(start) is None or not isinstance(canvas.itemAt(start), NodeItem)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, QPoint(40, 200))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(40, 200))
    assert bar.value() == before + 100  # the graph follows the hand


def test_the_weight_table_keeps_names_and_numbers_whole_in_a_narrow_inspector(qtbot):
    from types import SimpleNamespace

    from PySide6.QtGui import QTextDocument

    from cnnstudio.gui.graph.inspector import weights_html

    row = SimpleNamespace(
        name="kernel",
        shape=(5, 5, 1, 6),
        min=-0.294,
        max=0.31,
        mean=0.001,
        std=0.12,
        zero_fraction=0.0,
    )
    document = QTextDocument()
    document.setHtml(weights_html([row, SimpleNamespace(**{**vars(row), "name": "bias"})]))
    document.setTextWidth(120)  # narrower than the table: it overflows, it does not break words
    document.size()  # lays the document out
    lines = []
    block = document.begin()
    while block.isValid():
        layout = block.layout()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            text = block.text()[line.textStart() : line.textStart() + line.textLength()]
            lines.append(text.replace("\u2028", "").strip())  # <br> is a line separator
        block = block.next()
    assert "kernel" in lines and "-0.294" in lines, repr(lines[:20])
    assert "ker" not in lines and "nel" not in lines


def test_fit_on_a_deep_expanded_model_stays_readable_from_the_input(view, qtbot):
    from cnnstudio.gui.graph.canvas import READABLE_SCALE

    show_model(qtbot, view, "resnet50")
    before = view.result
    view.expand_all()
    wait_for_nodes(qtbot, view, before)
    canvas = view.canvas
    assert canvas.fit_scale() < READABLE_SCALE  # fitted whole it would be a sliver
    canvas.set_zoom(2.0)
    canvas.fit()
    assert canvas.zoom() >= READABLE_SCALE
    top = view.scene.graph_rect().top()
    assert canvas.visible_rect().top() <= top + 1  # scrolled to the input


def test_the_graph_is_drawn_at_the_data_sets_input_or_the_papers(view, qtbot):
    show_model(qtbot, view, "resnet50")
    assert view.result.request.input_shape == (28, 28, 1)  # mnist-5k's images
    before = view.result
    view.input_choice.setCurrentIndex(view.input_choice.findData("paper"))
    wait_for_nodes(qtbot, view, before)
    assert view.result.request.input_shape == (224, 224, 3)
    assert view.result.request.num_classes == 1000


def test_the_inspector_offers_the_demonstration_of_the_layers_kind(view, qtbot):
    view.scene.select_node("c1_conv")
    button = view.inspector.concept_button
    assert button.isVisibleTo(view) and button.text() == "Demo: Convolution"
    with qtbot.waitSignal(view.context.conceptRequested) as asked:
        button.click()
    assert asked.args == ["convolution"]
    view.scene.select_node("s2_pool")
    assert button.text() == "Demo: Pooling"
    view.scene.select_node("input")
    assert not button.isVisibleTo(view)
