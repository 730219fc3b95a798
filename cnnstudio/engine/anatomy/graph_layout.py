"""Top-to-bottom layered layout of a `ModelGraph`: positioned boxes and routed edges, no Qt.

A Sugiyama-style layout (Sugiyama, Tagawa and Toda 1981; Gansner et al., "A technique for
drawing directed graphs", 1993), written for the shapes CNNs have:

1. Layering by longest path from the input: each node one row below its deepest input, so the
   parallel branches of an Inception module start on the same row, side by side.
2. Edges longer than one row get a dummy vertex per row they pass: a ResNet shortcut or a
   DenseNet concatenation becomes a thin column of its own beside the chain, never through it.
3. Crossing reduction: barycentre sweeps down and up, keeping the order with fewest crossings.
4. Coordinates: the main chain (the longest path, through real layers) is pinned to one x, so it
   runs straight; every other vertex is placed by Sugiyama's priority method (dummies first,
   so long edges stay straight), sweeping down, up and down.
5. Routes: from the source's bottom edge straight down to its row's bottom, across the gap to
   the next row, down through each dummy's reserved column, into the target's top edge. Boxes
   of a row are top-aligned and separated, and diagonal pieces lie only in the gaps between
   rows, so no route crosses a box.

Chosen over grandalf by measurement (README, "Layer graph layout"; `benchmarks/graph_layout.py`).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

from cnnstudio.engine.anatomy.graph_model import GraphNode, ModelGraph

# Default box: fits a name, a type, an output shape and a parameter count at ~10 pt.
NODE_WIDTH = 190.0
NODE_HEIGHT = 58.0
ROW_GAP = 34.0  # vertical space between rows, where edges bend
NODE_GAP = 26.0  # horizontal space between neighbouring boxes
DUMMY_WIDTH = 14.0  # the column a long edge reserves through a row
MARGIN = 24.0
PORT_SPACING = 14.0  # between the ends of several edges on one box side
_SWEEPS = 6  # barycentre iterations (each down and up); the best order is kept


@dataclass(frozen=True)
class NodeBox:
    id: str
    x: float  # top-left corner; y grows downwards
    y: float
    width: float
    height: float

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class EdgeRoute:
    source: str
    target: str
    # From the source box's bottom edge to the target box's top edge, never crossing a box.
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class GraphLayout:
    boxes: dict[str, NodeBox]
    routes: tuple[EdgeRoute, ...]
    width: float
    height: float


def default_node_size(node: GraphNode) -> tuple[float, float]:
    return NODE_WIDTH, NODE_HEIGHT


def layout_graph(
    graph: ModelGraph,
    node_size: Callable[[GraphNode], tuple[float, float]] | None = None,
) -> GraphLayout:
    """Boxes and routes for `graph`, top to bottom (see the module docstring).

    `node_size(node) -> (width, height)` lets the GUI size boxes from its font metrics.
    """
    size = node_size or default_node_size
    ids = [node.id for node in graph.nodes]
    if not ids:
        return GraphLayout({}, (), 2 * MARGIN, 2 * MARGIN)
    index = {node_id: i for i, node_id in enumerate(ids)}
    sizes = [tuple(map(float, size(node))) for node in graph.nodes]
    edges = [(index[edge.source], index[edge.target]) for edge in graph.edges]
    layered = _Layered(len(ids), edges, [w for w, _ in sizes])
    layered.order_rows()
    layered.assign_x()
    return layered.result(ids, sizes)


class _Layered:
    """The working state: vertices 0..n-1 are real nodes, the rest dummies on long edges."""

    def __init__(self, n: int, edges: list[tuple[int, int]], widths: list[float]) -> None:
        self.n = n
        preds: list[list[int]] = [[] for _ in range(n)]
        for source, target in edges:
            preds[target].append(source)
        # 1. Longest-path layering (nodes come in topological order).
        rank = [0] * n
        for v in range(n):
            if preds[v]:
                rank[v] = max(rank[u] for u in preds[v]) + 1
        self.rank = rank
        self.width = list(widths)
        self.up: list[list[int]] = [[] for _ in range(n)]
        self.down: list[list[int]] = [[] for _ in range(n)]
        # 2. Dummy vertices: each edge becomes a chain of vertices one row apart.
        self.chains: list[list[int]] = []
        for source, target in edges:
            chain = [source]
            for row in range(rank[source] + 1, rank[target]):
                dummy = len(self.rank)
                self.rank.append(row)
                self.width.append(DUMMY_WIDTH)
                self.up.append([])
                self.down.append([])
                chain.append(dummy)
            chain.append(target)
            for a, b in itertools.pairwise(chain):
                self.down[a].append(b)
                self.up[b].append(a)
            self.chains.append(chain)
        self.rows: list[list[int]] = [[] for _ in range(max(self.rank) + 1)]
        for v, row in enumerate(self.rank):
            self.rows[row].append(v)
        self.main = self._main_chain()

    def _main_chain(self) -> set[int]:
        """The longest path through real layers, from the deepest real node back to a source:
        every row holds exactly one of its vertices (a real node's deepest input is real)."""
        last = max(range(self.n), key=lambda v: (self.rank[v], -v))
        chain = {last}
        v = last
        while self.up[v]:
            candidates = [u for u in self.up[v] if self.rank[u] == self.rank[v] - 1]
            real = [u for u in candidates if u < self.n]
            v = (real or candidates)[0]
            chain.add(v)
        return chain

    # -- 3. crossing reduction ------------------------------------------------------------------

    def order_rows(self) -> None:
        position = [0.0] * len(self.rank)
        for row in self.rows:
            # The main chain starts in the middle of its row, so that branches which tie in the
            # barycentre sort (an Inception module's) spread to both sides of it.
            pivot = next(v for v in row if v in self.main)
            row.remove(pivot)
            row.insert(len(row) // 2, pivot)
            for i, v in enumerate(row):
                position[v] = i
        best = [list(row) for row in self.rows]
        best_crossings = self._crossings(position)
        for _ in range(_SWEEPS):
            if best_crossings == 0:
                break
            for row_index in range(1, len(self.rows)):
                self._sort_row(row_index, self.up, position)
            for row_index in range(len(self.rows) - 2, -1, -1):
                self._sort_row(row_index, self.down, position)
            crossings = self._crossings(position)
            if crossings < best_crossings:
                best_crossings = crossings
                best = [list(row) for row in self.rows]
        self.rows = best
        self.crossings = best_crossings

    def _sort_row(self, row_index: int, neighbours: list[list[int]], position: list[float]) -> None:
        row = self.rows[row_index]

        def barycentre(v: int) -> float:
            around = neighbours[v]
            return sum(position[u] for u in around) / len(around) if around else position[v]

        row.sort(key=barycentre)
        for i, v in enumerate(row):
            position[v] = i

    def _crossings(self, position: list[float]) -> int:
        """Edge crossings between neighbouring rows (inversions of lower ends, upper sorted)."""
        total = 0
        for row in self.rows[:-1]:
            pairs = sorted((position[u], position[v]) for u in row for v in self.down[u])
            seen: list[float] = []
            for _, lower in pairs:
                # Earlier edges (further left above) ending strictly right of this one cross it.
                total += len(seen) - bisect.bisect_right(seen, lower)
                bisect.insort(seen, lower)
        return total

    # -- 4. coordinates -------------------------------------------------------------------------

    def assign_x(self) -> None:
        x = [0.0] * len(self.rank)
        for row in self.rows:
            # Pack the row around its main-chain vertex at 0.
            pivot = next(i for i, v in enumerate(row) if v in self.main)
            x[row[pivot]] = 0.0
            for i in range(pivot + 1, len(row)):
                x[row[i]] = x[row[i - 1]] + self._space(row[i - 1], row[i])
            for i in range(pivot - 1, -1, -1):
                x[row[i]] = x[row[i + 1]] - self._space(row[i], row[i + 1])
        self.x = x
        for neighbours, rows in (
            (self.up, self.rows[1:]),
            (self.down, self.rows[-2::-1]),
            (self.up, self.rows[1:]),
        ):
            for row in rows:
                self._place_row(row, neighbours)

    def _space(self, left: int, right: int) -> float:
        return (self.width[left] + self.width[right]) / 2 + NODE_GAP

    def _priority(self, v: int, neighbours: list[list[int]]) -> float:
        if v in self.main:
            return math.inf
        if v >= self.n:
            return 1e6  # dummies: long edges stay straight
        return len(neighbours[v])

    def _place_row(self, row: list[int], neighbours: list[list[int]]) -> None:
        """Sugiyama's priority method: in decreasing priority, each vertex moves towards the
        mean of its neighbours in the row already placed, pushing lower-priority vertices
        aside but never one placed before it."""
        x = self.x
        count = len(row)
        placed = [False] * count
        for i in sorted(range(count), key=lambda i: -self._priority(row[i], neighbours)):
            v = row[i]
            around = neighbours[v]
            target = (
                0.0
                if v in self.main
                else (sum(x[u] for u in around) / len(around) if around else x[v])
            )
            if target > x[v]:
                limit, gap = math.inf, 0.0
                for j in range(i + 1, count):
                    gap += self._space(row[j - 1], row[j])
                    if placed[j]:
                        limit = x[row[j]] - gap
                        break
                x[v] = max(x[v], min(target, limit))
                for j in range(i + 1, count):
                    need = x[row[j - 1]] + self._space(row[j - 1], row[j])
                    if x[row[j]] >= need:
                        break
                    x[row[j]] = need
            elif target < x[v]:
                limit, gap = -math.inf, 0.0
                for j in range(i - 1, -1, -1):
                    gap += self._space(row[j], row[j + 1])
                    if placed[j]:
                        limit = x[row[j]] + gap
                        break
                x[v] = min(x[v], max(target, limit))
                for j in range(i - 1, -1, -1):
                    need = x[row[j + 1]] - self._space(row[j], row[j + 1])
                    if x[row[j]] <= need:
                        break
                    x[row[j]] = need
            placed[i] = True

    # -- 5. boxes and routes --------------------------------------------------------------------

    def result(self, ids: list[str], sizes: list[tuple[float, float]]) -> GraphLayout:
        row_height = [0.0] * len(self.rows)
        for v in range(self.n):
            row_height[self.rank[v]] = max(row_height[self.rank[v]], sizes[v][1])
        top = [0.0] * len(self.rows)
        y = MARGIN
        for row_index, height in enumerate(row_height):
            top[row_index] = y
            y += height + ROW_GAP
        height = y - ROW_GAP + MARGIN
        left = min(self.x[v] - self.width[v] / 2 for v in range(len(self.rank)))
        shift = MARGIN - left
        centre = [value + shift for value in self.x]
        boxes = {
            ids[v]: NodeBox(
                ids[v], centre[v] - sizes[v][0] / 2, top[self.rank[v]], sizes[v][0], sizes[v][1]
            )
            for v in range(self.n)
        }
        width = max(centre[v] + self.width[v] / 2 for v in range(len(self.rank))) + MARGIN

        out_port = self._ports(centre, first=True)
        in_port = self._ports(centre, first=False)
        routes = []
        for chain in self.chains:
            source, target = chain[0], chain[-1]
            source_row = self.rank[source]
            points = [
                (out_port[(source, chain[1])], top[source_row] + sizes[source][1]),
                (out_port[(source, chain[1])], top[source_row] + row_height[source_row]),
            ]
            for dummy in chain[1:-1]:
                row = self.rank[dummy]
                points.append((centre[dummy], top[row]))
                points.append((centre[dummy], top[row] + row_height[row]))
            points.append((in_port[(target, chain[-2])], top[self.rank[target]]))
            routes.append(EdgeRoute(ids[source], ids[target], _without_repeats(points)))
        return GraphLayout(boxes, tuple(routes), width, height)

    def _ports(self, centre: list[float], *, first: bool) -> dict[tuple[int, int], float]:
        """Where each edge leaves its source (first=True) or enters its target: spread around
        the box's centre in the order of the vertex at the other end, so they do not cross."""
        ports: dict[tuple[int, int], float] = {}
        ends: dict[int, list[int]] = {}
        for chain in self.chains:
            own, other = (chain[0], chain[1]) if first else (chain[-1], chain[-2])
            ends.setdefault(own, []).append(other)
        for own, others in ends.items():
            others.sort(key=lambda u: centre[u])
            spacing = min(PORT_SPACING, self.width[own] / (len(others) + 1))
            for k, other in enumerate(others):
                ports[(own, other)] = centre[own] + (k - (len(others) - 1) / 2) * spacing
        return ports


def _without_repeats(points: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    kept = [points[0]]
    for point in points[1:]:
        if point != kept[-1]:
            kept.append(point)
    return tuple(kept)
