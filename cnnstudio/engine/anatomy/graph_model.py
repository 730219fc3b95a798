"""The layer graph of a model as plain data, with blocks that collapse into one node.

`build_graph(stats, expanded)` turns `ModelStats` (engine/anatomy/layer_stats.py) into nodes and
edges
for the graph view and `cnnstudio graph`. It reads statistics only, never Keras objects, so it
is cheap and testable without a model.

Blocks come from the zoo's stable layer names (`layer_stats.block_of`): `conv3_block2_1_conv`
is in the residual block (or DenseNet dense layer) `conv3_block2`, `inception_3a_5x5_conv` in
the Inception module `inception_3a`, `mixed4_pool` in `mixed4`, DenseNet's `pool2_conv` in the
transition `pool2`. One level sits above the `<stage>_block<k>` units: the stage `<stage>`
(`conv3`), which for DenseNet is the dense block. A layer is drawn as the outermost block around
it that is not expanded, or as itself when all its blocks are; so expanding a DenseNet dense
block shows its dense layers collapsed, and expanding one of those shows its layers.

Collapsing conserves totals: a block node carries the sum of its layers' parameters and MACs,
the shapes entering it from outside and the shapes leaving it.
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from cnnstudio.i18n import _

if TYPE_CHECKING:
    # Type names only: importing layer_stats imports Keras, and this module must stay light
    # enough to import on a GUI thread.
    from cnnstudio.engine.anatomy.layer_stats import LayerStats, ModelStats
    from cnnstudio.model_metadata import BlockPattern

Shape = tuple[int | None, ...]
Expanded = Collection[str] | Literal["all"]

KINDS = (
    "input",
    "conv",
    "pool",
    "norm",
    "activation",
    "dense",
    "merge",
    "dropout",
    "reshape",
    "block",
    "other",
)

# Keras class name -> kind, for the classes the zoo and keras.applications use; anything else is
# classified by the patterns below, then "other".
_KIND_OF_TYPE = {
    "InputLayer": "input",
    "Dense": "dense",
    "Flatten": "reshape",
    "Reshape": "reshape",
    "Permute": "reshape",
    "RepeatVector": "reshape",
    "ZeroPadding1D": "reshape",
    "ZeroPadding2D": "reshape",
    "ZeroPadding3D": "reshape",
    "Cropping1D": "reshape",
    "Cropping2D": "reshape",
    "Cropping3D": "reshape",
    "Resizing": "reshape",
    "UpSampling2D": "reshape",
    "Add": "merge",
    "Subtract": "merge",
    "Multiply": "merge",
    "Average": "merge",
    "Maximum": "merge",
    "Minimum": "merge",
    "Concatenate": "merge",
    "Dot": "merge",
    "Activation": "activation",
    "ReLU": "activation",
    "LeakyReLU": "activation",
    "PReLU": "activation",
    "ELU": "activation",
    "Softmax": "activation",
}
_KIND_PATTERNS = (
    (re.compile(r"Conv\dD|Conv\dDTranspose|Convolution"), "conv"),
    (re.compile(r"Pool"), "pool"),
    (re.compile(r"Normali[sz]ation|Norm$"), "norm"),
    (re.compile(r"Dropout"), "dropout"),
)

# The unit inside a stage: conv3_block2 -> stage conv3 (ResNet stages, DenseNet dense blocks).
_UNIT = re.compile(r"^([a-z]+\d+)_block\d+$")


def kind_of(layer_type: str) -> str:
    """The colour class of a Keras layer class name (one of `KINDS`)."""
    kind = _KIND_OF_TYPE.get(layer_type)
    if kind is not None:
        return kind
    for pattern, kind in _KIND_PATTERNS:
        if pattern.search(layer_type):
            return kind
    return "other"


@dataclass(frozen=True)
class GraphNode:
    """A layer, or a collapsed block standing for several layers."""

    id: str  # a layer name, or a block name for a collapsed block
    label: str  # the node's title
    kind: str  # colour class, one of KINDS
    type: str  # Keras class name ("Conv2D"), or "Block" for a collapsed block
    block: str  # the innermost block the node sits in ("" top level)
    collapsed: bool  # True for a collapsed block node
    layers: tuple[str, ...]  # layer names it stands for (one for a layer node)
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    params: int
    macs: int
    # Blocks around the node, outermost first (a frame per expanded block in the view).
    blocks: tuple[str, ...] = ()
    # What a collapsed block is: "Inception module", "residual block", "dense block",
    # "dense layer", "transition", "stage" or "block"; "" for a layer.
    role: str = ""


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str


@dataclass(frozen=True)
class ModelGraph:
    """Visible nodes in topological order and the edges between them."""

    name: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    _index: dict[str, GraphNode] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update((node.id, node) for node in self.nodes)

    def node(self, node_id: str) -> GraphNode:
        return self._index[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._index

    def params(self) -> int:
        return sum(node.params for node in self.nodes)

    def macs(self) -> int:
        return sum(node.macs for node in self.nodes)

    def node_of_layer(self, layer_name: str) -> GraphNode:
        """The visible node that stands for `layer_name` (itself, or its collapsed block)."""
        for node in self.nodes:
            if layer_name in node.layers:
                return node
        raise KeyError(layer_name)


# --- blocks ---------------------------------------------------------------------------------


def block_chain(block: str) -> tuple[str, ...]:
    """The blocks around a layer whose `block_of` is `block`, outermost first."""
    if not block:
        return ()
    unit = _UNIT.match(block)
    return (unit.group(1), block) if unit else (block,)


def _members(stats: ModelStats) -> dict[str, list[LayerStats]]:
    """Every block (both levels) with its layers, in order of first appearance."""
    members: dict[str, list[LayerStats]] = {}
    for layer in stats.layers:
        for block in block_chain(layer.block):
            members.setdefault(block, []).append(layer)
    return members


def collapsible_blocks(stats: ModelStats) -> list[str]:
    """Blocks of two or more layers (Inception modules, residual blocks, dense blocks and their
    dense layers, transitions, VGG blocks, ...), outer before inner, in model order. A block
    that a path leaves and re-enters cannot be one node (it would make a cycle) and is left out:
    Keras's auto-names in a foreign model (`conv2d`, `conv2d_1`, ... read as block `conv2d`)."""
    members = _members(stats)
    return _collapsible(stats, members)


def _collapsible(stats: ModelStats, members: dict[str, list[LayerStats]]) -> list[str]:
    index = {layer.name: i for i, layer in enumerate(stats.layers)}
    successors: dict[str, list[str]] = {layer.name: [] for layer in stats.layers}
    for source, target in stats.edges():
        successors[source].append(target)
    result = []
    for block, layers in members.items():
        if len(layers) < 2:
            continue
        inside = {layer.name for layer in layers}
        last = max(index[name] for name in inside)
        # Walk forward from the block through outside layers; Keras's order is topological, so
        # nothing past the block's last layer can lead back into it.
        frontier = [
            t for name in inside for t in successors[name] if t not in inside and index[t] < last
        ]
        seen = set(frontier)
        convex = True
        while frontier and convex:
            for target in successors[frontier.pop()]:
                if target in inside:
                    convex = False
                    break
                if target not in seen and index[target] < last:
                    seen.add(target)
                    frontier.append(target)
        if convex:
            result.append(block)
    return result


def family_blocks(model_name: str) -> tuple[BlockPattern, ...]:
    """How the zoo family of `model_name` names its blocks and what they are (declared with the
    family, read from the shipped metadata: no Keras); () for a model of no known family."""
    meta = _zoo_metadata().get(model_name)
    return meta.blocks if meta is not None else ()


@functools.cache
def _zoo_metadata() -> dict[str, Any]:
    # The shipped file does not change while the app runs: read it once.
    from cnnstudio.engine.anatomy.catalog import load_model_metadata

    return load_model_metadata()


def _declared_role(
    block: str, layers: list[LayerStats], patterns: Iterable[BlockPattern]
) -> str | None:
    """The role the family declares for `block`: a pattern naming the block itself, or one
    naming the units it holds (a stage holds `conv3_block1`, ...)."""
    inner = {layer.block for layer in layers if layer.block and layer.block != block}
    for declared in patterns:
        pattern = re.compile(declared.pattern)
        if inner:
            if declared.holder_role and any(
                (m := pattern.match(name)) and m.group(1) == name for name in inner
            ):
                return declared.holder_role
        elif (m := pattern.match(block)) and m.group(1) == block:
            return declared.role
    return None


def block_role(
    block: str, layers: Iterable[LayerStats], patterns: Iterable[BlockPattern] = ()
) -> str:
    """What a block is, for its label: as its family declares it (`patterns`, from
    `family_blocks`), else from its name and the layer types inside (a model of no known
    family: a .keras file)."""
    layers = list(layers)
    declared = _declared_role(block, layers, patterns)
    if declared is not None:
        return declared
    types = {layer.type for layer in layers}
    if block.startswith(("inception_", "mixed")):
        return "Inception module"
    # A stage holds its units' layers, whose own block is the unit (conv3 holds conv3_block1).
    is_stage = any(layer.block != block for layer in layers) and not _UNIT.match(block)
    if is_stage:
        return "dense block" if "Concatenate" in types and "Add" not in types else "stage"
    if "Add" in types:
        return "residual block"
    if "Concatenate" in types and _UNIT.match(block):
        return "dense layer"
    # DenseNet's transition: BN, ReLU, 1x1 conv, 2x2 average pooling, in a block named pool<k>.
    kinds = {kind_of(t) for t in types}
    if block.startswith("pool") and {"pool", "conv"} <= kinds:
        return "transition"
    return "block"


def default_expanded(stats: ModelStats) -> frozenset[str] | Literal["all"]:
    """What the view opens with: small models fully expanded; deep ones collapsed to their
    modules (Inception), residual blocks (ResNet stages open) or dense blocks (DenseNet)."""
    if len(stats.layers) <= 60:
        return "all"
    members = _members(stats)
    patterns = family_blocks(stats.name)
    return frozenset(
        block for block, layers in members.items() if block_role(block, layers, patterns) == "stage"
    )


# --- the graph ------------------------------------------------------------------------------


def build_graph(stats: ModelStats, expanded: Expanded = "all") -> ModelGraph:
    """The visible graph of `stats` with every block not in `expanded` collapsed.

    `expanded="all"` gives one node per layer and one edge per connection. Names in `expanded`
    that are not blocks of this model are ignored, and so are blocks that cannot collapse (see
    `collapsible_blocks`).
    """
    expand_all = isinstance(expanded, str) and expanded == "all"
    opened = frozenset() if expand_all else frozenset(expanded)
    members = _members(stats) if not expand_all else {}
    collapsible = set(_collapsible(stats, members)) if members else set()
    layer_names = {layer.name for layer in stats.layers}

    ids: dict[str, str] = {}

    def block_id(block: str) -> str:
        # A block named like a layer outside it (rare) gets a distinct id.
        if block not in ids:
            inside = block in layer_names and any(layer.name == block for layer in members[block])
            ids[block] = block if block not in layer_names or inside else f"{block} [block]"
        return ids[block]

    # Which visible node each layer belongs to.
    owner: dict[str, str] = {}
    owner_block: dict[str, tuple[str, tuple[str, ...]]] = {}
    for layer in stats.layers:
        chain = block_chain(layer.block)
        visible = layer.name
        for depth, block in enumerate(chain):
            if block in collapsible and block not in opened:
                visible = block_id(block)
                owner_block[visible] = (block, chain[:depth])
                break
        owner[layer.name] = visible

    order: dict[str, int] = {}
    for layer in stats.layers:
        order.setdefault(owner[layer.name], len(order))

    edges: dict[tuple[str, str], None] = {}
    for source, target in stats.edges():
        pair = (owner[source], owner[target])
        if pair[0] != pair[1]:
            edges[pair] = None

    context = _Context(stats)
    nodes: dict[str, GraphNode] = {}
    for layer in stats.layers:
        node_id = owner[layer.name]
        if node_id in nodes:
            continue
        if node_id == layer.name and node_id not in owner_block:
            chain = block_chain(layer.block)
            nodes[node_id] = GraphNode(
                id=layer.name,
                label=layer.name,
                kind=kind_of(layer.type),
                type=layer.type,
                block=chain[-1] if chain else "",
                collapsed=False,
                layers=(layer.name,),
                input_shapes=layer.input_shapes,
                output_shapes=layer.output_shapes,
                params=layer.params,
                macs=layer.macs,
                blocks=chain,
            )
        else:
            block, outer = owner_block[node_id]
            nodes[node_id] = _block_node(stats, node_id, block, outer, members[block], context)
    ordered, stuck = _topological(order, edges)
    if stuck:
        # Blocks each convex on their own can still point at each other both ways: open the
        # ones on the cycle and try again (at most once per block).
        blocks = {owner_block[node][0] for node in stuck if node in owner_block}
        if not blocks:
            raise ValueError(
                _("the layer graph has a cycle through {value}").format(value=", ".join(stuck[:3]))
            )
        return build_graph(stats, opened | blocks)
    return ModelGraph(
        name=stats.name,
        nodes=tuple(nodes[node_id] for node_id in ordered),
        edges=tuple(GraphEdge(source, target) for source, target in edges),
    )


class _Context:
    """Look-ups over the whole model that every block node needs, built once."""

    def __init__(self, stats: ModelStats) -> None:
        self.by_name = {layer.name: layer for layer in stats.layers}
        self.consumers: dict[str, list[str]] = {layer.name: [] for layer in stats.layers}
        for source, target in stats.edges():
            self.consumers[source].append(target)
        # Layers nothing consumes are the model's outputs.
        self.outputs = {name for name, consumers in self.consumers.items() if not consumers}
        self.patterns = family_blocks(stats.name)


def _block_node(
    stats: ModelStats,
    node_id: str,
    block: str,
    outer: tuple[str, ...],
    layers: list[LayerStats],
    context: _Context,
) -> GraphNode:
    inside = {layer.name for layer in layers}
    by_name = context.by_name
    # Shapes entering from outside: each outside source's output once, in order.
    sources = dict.fromkeys(
        source for layer in layers for source in layer.inbound if source not in inside
    )
    input_shapes = tuple(by_name[source].output_shapes[0] for source in sources)
    # Shapes leaving: layers consumed outside the block, or model outputs.
    output_shapes = tuple(
        layer.output_shapes[0]
        for layer in layers
        if layer.name in context.outputs
        or any(consumer not in inside for consumer in context.consumers[layer.name])
    )
    return GraphNode(
        id=node_id,
        label=block,
        kind="block",
        type="Block",
        block=outer[-1] if outer else "",
        collapsed=True,
        layers=tuple(layer.name for layer in layers),
        input_shapes=input_shapes,
        output_shapes=output_shapes,
        params=sum(layer.params for layer in layers),
        macs=sum(layer.macs for layer in layers),
        blocks=outer,
        role=block_role(block, layers, context.patterns),
    )


def _topological(
    order: dict[str, int], edges: Iterable[tuple[str, str]]
) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, ties broken by first appearance in the model (Keras's order): the
    nodes in order, and those left on a cycle (sorted; none for an acyclic graph)."""
    successors: dict[str, list[str]] = {node: [] for node in order}
    indegree = dict.fromkeys(order, 0)
    for source, target in edges:
        successors[source].append(target)
        indegree[target] += 1
    ready = [(order[node], node) for node, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        _, node = heapq.heappop(ready)
        result.append(node)
        for target in successors[node]:
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, (order[target], target))
    stuck = sorted(node for node, degree in indegree.items() if degree > 0)
    return result, stuck
