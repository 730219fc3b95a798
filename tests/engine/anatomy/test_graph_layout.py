"""The layered layout: a box per node, no overlaps, every route from its source's bottom edge to
its target's top edge and through no box; Inception branches side by side, shortcuts beside the
chain."""

from __future__ import annotations

import bisect
import itertools

import pytest

from cnnstudio.engine.anatomy.graph_layout import GraphLayout, NodeBox, layout_graph
from cnnstudio.engine.anatomy.graph_model import ModelGraph, build_graph, default_expanded
from tests.engine.graph_zoo import ZOO, canonical_stats

pytestmark = pytest.mark.xdist_group("graph")

EPS = 1e-6


def segment_hits_box(a, b, box: NodeBox) -> bool:
    """Whether segment a-b passes through the open interior of `box` (Liang-Barsky clipping);
    touching an edge (where routes start and end) does not count."""
    x0, y0 = a
    dx, dy = b[0] - x0, b[1] - y0
    left, right = box.x + EPS, box.x + box.width - EPS
    top, bottom = box.y + EPS, box.y + box.height - EPS
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q <= 0:
                return False
        else:
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 >= t1:
                return False
    return True


def assert_well_formed(graph: ModelGraph, layout: GraphLayout) -> None:
    assert set(layout.boxes) == {node.id for node in graph.nodes}
    assert len(layout.routes) == len(graph.edges)
    assert {(r.source, r.target) for r in layout.routes} == {
        (e.source, e.target) for e in graph.edges
    }
    boxes = sorted(layout.boxes.values(), key=lambda box: box.y)
    tops = [box.y for box in boxes]
    # Boxes lie inside the drawing and never overlap (checked within each row band).
    for i, box in enumerate(boxes):
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= layout.width and box.y + box.height <= layout.height
        for other in boxes[i + 1 : bisect.bisect_left(tops, box.y + box.height)]:
            overlap_x = min(box.x + box.width, other.x + other.width) - max(box.x, other.x)
            assert overlap_x <= EPS, f"{box.id} overlaps {other.id}"
    tallest = max(box.height for box in boxes)
    for route in layout.routes:
        source, target = layout.boxes[route.source], layout.boxes[route.target]
        (x0, y0), (x1, y1) = route.points[0], route.points[-1]
        assert y0 == pytest.approx(source.y + source.height)
        assert source.x <= x0 <= source.x + source.width
        assert y1 == pytest.approx(target.y)
        assert target.x <= x1 <= target.x + target.width
        for a, b in itertools.pairwise(route.points):
            assert b[1] >= a[1] - EPS, "routes run downwards"
            # Only boxes whose rows the segment spans can be hit.
            low = bisect.bisect_left(tops, a[1] - tallest)
            high = bisect.bisect_right(tops, b[1])
            for box in boxes[low:high]:
                assert not segment_hits_box(a, b, box), f"{route.source}->{route.target} {box.id}"


def test_the_segment_box_test_itself():
    box = NodeBox("b", 10, 10, 20, 10)
    assert segment_hits_box((0, 0), (40, 40), box)
    assert segment_hits_box((20, 0), (20, 30), box)
    assert not segment_hits_box((20, 0), (20, 10), box)  # ends on the top edge
    assert not segment_hits_box((0, 0), (5, 40), box)
    assert not segment_hits_box((10, 0), (10, 40), box)  # along the left edge


@pytest.mark.parametrize("name", ZOO)
def test_expanded_layout_routes_never_cross_a_box(name):
    graph = build_graph(canonical_stats(name), "all")
    assert_well_formed(graph, layout_graph(graph))


@pytest.mark.parametrize("name", ZOO)
def test_collapsed_layout_routes_never_cross_a_box(name):
    stats = canonical_stats(name)
    for expanded in (default_expanded(stats), ()):
        graph = build_graph(stats, expanded)
        assert_well_formed(graph, layout_graph(graph))


@pytest.mark.parametrize(
    ("name", "module", "branches"),
    [
        (
            "inception_v1",
            "inception_3a",
            ("1x1_conv", "3x3_reduce_conv", "5x5_reduce_conv", "pool"),
        ),
        ("inception_v3", "mixed0", ("1x1_conv", "5x5_reduce_conv", "3x3dbl_reduce_conv", "pool")),
    ],
)
def test_inception_branches_sit_side_by_side(name, module, branches):
    stats = canonical_stats(name)
    graph = build_graph(stats, {module})
    boxes = [layout_graph(graph).boxes[f"{module}_{branch}"] for branch in branches]
    assert len({box.y for box in boxes}) == 1, "the branches start on one row"
    spans = sorted((box.x, box.x + box.width) for box in boxes)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


@pytest.mark.parametrize(
    ("name", "chain", "shortcut"),
    [
        # An identity shortcut: the block's input straight to its add.
        (
            "resnet50",
            ["conv2_block2_1_conv", "conv2_block2_2_conv", "conv2_block2_3_conv"],
            ("conv2_block1_out", "conv2_block2_add"),
        ),
        # DenseNet: the block's input concatenated with the new features.
        (
            "densenet121",
            ["conv2_block2_0_bn", "conv2_block2_1_conv", "conv2_block2_2_conv"],
            ("conv2_block1_concat", "conv2_block2_concat"),
        ),
    ],
)
def test_shortcuts_run_beside_a_straight_chain(name, chain, shortcut):
    graph = build_graph(canonical_stats(name), "all")
    layout = layout_graph(graph)
    centres = {layout.boxes[node].centre_x for node in chain}
    assert len(centres) == 1, "the main chain runs straight"
    route = next(r for r in layout.routes if (r.source, r.target) == shortcut)
    chain_x = centres.pop()
    left = min(layout.boxes[n].x for n in chain)
    right = max(layout.boxes[n].x + layout.boxes[n].width for n in chain)
    inner = route.points[2:-2]  # the part that passes the chain's rows
    assert inner and all(not left < x < right for x, _ in inner), (chain_x, inner)


def test_node_size_is_honoured():
    graph = build_graph(canonical_stats("lenet5"), "all")
    layout = layout_graph(graph, node_size=lambda node: (40.0 + len(node.id), 30.0))
    for node in graph.nodes:
        box = layout.boxes[node.id]
        assert (box.width, box.height) == (40.0 + len(node.id), 30.0)
    assert_well_formed(graph, layout)


def test_layout_is_deterministic():
    graph = build_graph(canonical_stats("inception_v1"), "all")
    assert layout_graph(graph) == layout_graph(graph)


def test_an_empty_graph_has_an_empty_layout():
    layout = layout_graph(ModelGraph("empty", (), ()))
    assert layout.boxes == {} and layout.routes == ()
