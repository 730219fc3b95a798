"""The layer graph: one node per layer and one edge per connection when expanded; collapsed
blocks conserve parameters and MACs; every expand/collapse keeps the graph consistent."""

from __future__ import annotations

import pytest

from cnnstudio.engine.anatomy.graph_model import (
    KINDS,
    ModelGraph,
    block_chain,
    build_graph,
    collapsible_blocks,
    default_expanded,
    kind_of,
)
from tests.engine.graph_zoo import ZOO, canonical_stats

pytestmark = pytest.mark.xdist_group("graph")


def assert_consistent(graph: ModelGraph, stats) -> None:
    """Every edge's ends exist, no self loops or duplicates, nodes in topological order (so the
    graph is acyclic), and every layer stands in exactly one node."""
    position = {node.id: i for i, node in enumerate(graph.nodes)}
    assert len(position) == len(graph.nodes), "node ids are unique"
    pairs = [(edge.source, edge.target) for edge in graph.edges]
    assert len(set(pairs)) == len(pairs), "no duplicate edges"
    for source, target in pairs:
        assert source in position and target in position
        assert source != target
        assert position[source] < position[target], f"{source} -> {target} goes upwards"
    covered = [layer for node in graph.nodes for layer in node.layers]
    assert sorted(covered) == sorted(layer.name for layer in stats.layers)
    assert graph.params() == stats.params
    assert graph.macs() == stats.macs
    assert all(node.kind in KINDS for node in graph.nodes)


@pytest.mark.parametrize("name", ZOO)
def test_expanded_graph_has_a_node_per_layer_and_an_edge_per_connection(name):
    stats = canonical_stats(name)
    graph = build_graph(stats, "all")
    assert [node.id for node in graph.nodes] == [layer.name for layer in stats.layers]
    assert len(graph.edges) == len(stats.edges())
    assert {(e.source, e.target) for e in graph.edges} == set(stats.edges())
    assert not any(node.collapsed for node in graph.nodes)
    for node in graph.nodes:
        layer = stats.layer(node.id)
        assert (node.params, node.macs, node.type) == (layer.params, layer.macs, layer.type)
        assert node.output_shapes == layer.output_shapes
    assert_consistent(graph, stats)


@pytest.mark.parametrize("name", ZOO)
def test_every_expand_and_collapse_conserves_totals_and_stays_consistent(name):
    stats = canonical_stats(name)
    blocks = collapsible_blocks(stats)
    start = default_expanded(stats)
    start = frozenset(blocks) if start == "all" else start
    assert_consistent(build_graph(stats, ()), stats)  # everything collapsed
    assert_consistent(build_graph(stats, start), stats)
    # Open each block in turn from the default view, and close each from the fully open one;
    # a sample on the deepest models keeps this cheap.
    step = max(1, len(blocks) // 12)
    for block in blocks[::step]:
        opened = build_graph(stats, start | {block})
        assert_consistent(opened, stats)
        closed = build_graph(stats, frozenset(blocks) - {block})
        assert_consistent(closed, stats)
        assert block in closed
        node = closed.node(block)
        assert node.collapsed and node.kind == "block" and node.type == "Block"
        assert node.params == sum(stats.layer(n).params for n in node.layers)
        assert node.macs == sum(stats.layer(n).macs for n in node.layers)


@pytest.mark.parametrize("name", ["densenet201", "resnet152", "inception_v3", "inception_v1"])
def test_deep_models_open_collapsed_into_few_nodes(name):
    stats = canonical_stats(name)
    graph = build_graph(stats, default_expanded(stats))
    assert len(graph.nodes) <= 60 < len(stats.layers)
    assert any(node.collapsed for node in graph.nodes)


def test_small_models_open_expanded():
    assert default_expanded(canonical_stats("lenet5")) == "all"
    assert default_expanded(canonical_stats("vgg16")) == "all"


@pytest.mark.parametrize(
    ("name", "block", "role"),
    [
        ("inception_v1", "inception_3a", "Inception module"),
        ("inception_v3", "mixed5", "Inception module"),
        ("resnet50", "conv3_block1", "residual block"),
        ("resnet50", "conv3", "stage"),
        ("densenet121", "conv3", "dense block"),
        ("densenet121", "conv3_block2", "dense layer"),
        ("densenet121", "pool2", "transition"),
        ("vgg16", "block3", "block"),
    ],
)
def test_collapsed_blocks_say_what_they_are(name, block, role):
    stats = canonical_stats(name)
    assert block in collapsible_blocks(stats)
    graph = build_graph(stats, frozenset(block_chain(block)[:-1]))
    assert graph.node(block).role == role


def test_a_collapsed_inception_module_keeps_its_in_and_out_shapes():
    # inception_3a: 28 x 28 x 192 in, 28 x 28 x 256 out (64 + 128 + 32 + 32).
    graph = build_graph(canonical_stats("inception_v1"), ())
    node = graph.node("inception_3a")
    assert node.input_shapes == ((None, 28, 28, 192),)
    assert node.output_shapes == ((None, 28, 28, 256),)
    assert [
        (e.source, e.target) for e in graph.edges if "inception_3a" in (e.source, e.target)
    ] == [
        ("pool2_pool", "inception_3a"),  # a one-layer block stays a layer
        ("inception_3a", "inception_3b"),
    ]


def test_densenet_dense_block_expands_into_dense_layers_then_layers():
    stats = canonical_stats("densenet121")
    outer = build_graph(stats, ())
    assert outer.node("conv2").role == "dense block"
    assert "conv2_block1" not in outer
    one = build_graph(stats, {"conv2"})
    assert one.node("conv2_block1").collapsed
    assert one.node("conv2_block1").blocks == ("conv2",)
    assert one.node("conv2_block1").block == "conv2"
    two = build_graph(stats, {"conv2", "conv2_block1"})
    layer = two.node("conv2_block1_1_conv")
    assert not layer.collapsed and layer.blocks == ("conv2", "conv2_block1")
    # Expanding an inner block of a collapsed outer one shows nothing new.
    assert [n.id for n in build_graph(stats, {"conv2_block1"}).nodes] == [n.id for n in outer.nodes]


def test_unknown_block_names_are_ignored():
    stats = canonical_stats("lenet5")
    assert build_graph(stats, {"no_such_block"}).nodes == build_graph(stats, ()).nodes


@pytest.mark.parametrize(
    ("layer_type", "kind"),
    [
        ("InputLayer", "input"),
        ("Conv2D", "conv"),
        ("DepthwiseConv2D", "conv"),
        ("MaxPooling2D", "pool"),
        ("GlobalAveragePooling2D", "pool"),
        ("BatchNormalization", "norm"),
        ("GroupNormalization", "norm"),
        ("Activation", "activation"),
        ("Dense", "dense"),
        ("Concatenate", "merge"),
        ("Add", "merge"),
        ("Dropout", "dropout"),
        ("Flatten", "reshape"),
        ("ZeroPadding2D", "reshape"),
        ("SomethingNew", "other"),
    ],
)
def test_kinds(layer_type, kind):
    assert kind_of(layer_type) == kind


def test_graph_module_does_not_import_keras():
    import subprocess
    import sys

    code = (
        "import sys; import cnnstudio.engine.anatomy.graph_model,"
        "cnnstudio.engine.anatomy.graph_layout, "
        "cnnstudio.engine.anatomy.graph_compare; print('keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def _functional(build) -> object:
    """Statistics of a small functional model made by `build(keras, input) -> output`."""
    import keras

    from cnnstudio.engine.anatomy.graph_source import without_weights
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

    with without_weights():
        inputs = keras.Input((8, 8, 1), name="input")
        return compute_model_stats(keras.Model(inputs, build(keras, inputs)))


def test_keras_auto_names_do_not_make_blocks_that_would_cycle():
    # A foreign Sequential-style model: conv2d, max_pooling2d, conv2d_1, ... read as blocks
    # "conv2d" and "max_pooling2d" that a path leaves and re-enters.
    def build(keras, x):
        x = keras.layers.Conv2D(2, 3, padding="same", name="conv2d")(x)
        x = keras.layers.MaxPooling2D(name="max_pooling2d")(x)
        x = keras.layers.Conv2D(2, 3, padding="same", name="conv2d_1")(x)
        x = keras.layers.MaxPooling2D(name="max_pooling2d_1")(x)
        x = keras.layers.Flatten(name="flatten")(x)
        return keras.layers.Dense(3, name="dense")(x)

    stats = _functional(build)
    assert collapsible_blocks(stats) == []
    graph = build_graph(stats, ())
    assert [node.id for node in graph.nodes] == [layer.name for layer in stats.layers]
    assert_consistent(graph, stats)


def test_blocks_pointing_at_each_other_both_ways_stay_open():
    # conv1 = {conv1_a, conv1_b} and conv2 = {conv2_a, conv2_b} are each convex, but conv1_a
    # feeds conv2_a while conv2_b feeds conv1_b: as two nodes they would form a cycle.
    def build(keras, x):
        conv1_a = keras.layers.Conv2D(2, 1, name="conv1_a")(x)
        conv2_a = keras.layers.Conv2D(2, 1, name="conv2_a")(conv1_a)
        conv2_b = keras.layers.Conv2D(2, 1, name="conv2_b")(x)
        conv1_b = keras.layers.Conv2D(2, 1, name="conv1_b")(conv2_b)
        return keras.layers.Add(name="merge")([conv2_a, conv1_b])

    stats = _functional(build)
    assert collapsible_blocks(stats) == ["conv1", "conv2"]
    graph = build_graph(stats, ())
    assert_consistent(graph, stats)
    assert not any(node.collapsed for node in graph.nodes)
    # Either alone collapses.
    assert build_graph(stats, {"conv2"}).node("conv1").collapsed
    assert_consistent(build_graph(stats, {"conv2"}), stats)
