"""The layer graph of a model as data, from a request to a laid-out graph, with no Qt: what the
graph view computes on its worker thread and `cnnstudio graph` computes before drawing.

    result = build_graph_result(GraphRequest(model="resnet50"), node_size)
    result.stats, result.graph, result.layout       # ModelStats, ModelGraph, GraphLayout

`node_size(node) -> (width, height)` comes from whoever draws the boxes (the GUI's font
metrics); the engine only places them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ALL = "all"


@dataclass(frozen=True)
class GraphRequest:
    """A zoo model (name, input, classes, options) or a trained one (`trained`: a run id or a
    .keras path), and which blocks are expanded (None: the model's default)."""

    model: str = ""
    input_shape: tuple[int, int, int] | None = None
    num_classes: int | None = None
    options: tuple[tuple[str, Any], ...] = ()
    trained: str = ""
    expanded: frozenset[str] | str | None = None
    # With `expanded` None: blocks opened on top of the default, with the blocks around them
    # (ResNet-50's conv2_block1 opens inside its stage conv2).
    also_expand: frozenset[str] = frozenset()

    def source(self) -> tuple:
        """What the statistics depend on (not the expansion)."""
        return (self.model, self.input_shape, self.num_classes, self.options, self.trained)


@dataclass(frozen=True)
class GraphResult:
    request: GraphRequest
    stats: Any = None  # ModelStats
    graph: Any = None  # ModelGraph
    layout: Any = None  # GraphLayout
    expanded: frozenset[str] | str = ALL  # resolved
    blocks: tuple[str, ...] = ()  # every collapsible block
    model: Any = None  # the trained keras.Model, for weight jobs; None for a zoo model
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # stats, graph, layout


def inner_model(model: Any) -> Any:
    """The network inside a trained model's wrapper: the engine saves a run's model as the zoo
    model behind an input standardisation layer, so the file's own graph is three nodes. A
    nested model that holds (nearly) all the parameters is the one to draw and inspect."""
    nested = [layer for layer in model.layers if getattr(layer, "layers", None)]
    if len(nested) == 1:
        inner = nested[0]
        if inner.count_params() >= 0.99 * model.count_params():
            return inner
    return model


def build_graph_result(
    request: GraphRequest,
    node_size: Callable[[Any], tuple[float, float]],
    progress: Callable[[str], None] | None = None,
) -> GraphResult:
    """Statistics (memoised by the engine), graph and layout for `request` (any thread: no Qt).
    Bad input (a model that cannot take the input, a file that is not a model) comes back as
    `error`, one line."""
    from cnnstudio.engine.anatomy.graph_layout import layout_graph
    from cnnstudio.engine.anatomy.graph_model import (
        build_graph,
        collapsible_blocks,
        default_expanded,
    )

    say = progress or (lambda _text: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    model = None
    try:
        if request.trained:
            from cnnstudio.engine.anatomy.graph_source import trained_model
            from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

            say(f"Opening {request.trained}…")
            model = inner_model(trained_model(request.trained))
            stats = compute_model_stats(model)
        else:
            from cnnstudio.engine.anatomy.graph_source import zoo_stats
            from cnnstudio.engine.training.seeding import isolated_build

            say("Building the model's statistics…")
            stats = isolated_build(
                lambda: zoo_stats(
                    request.model,
                    request.input_shape,
                    request.num_classes if request.num_classes is not None else 10,
                    dict(request.options),
                )
            )
        seconds["stats"] = time.perf_counter() - started
        expanded = request.expanded
        if expanded is None:
            expanded = with_enclosing(default_expanded(stats), request.also_expand)
        mark = time.perf_counter()
        graph = build_graph(stats, expanded)
        seconds["graph"] = time.perf_counter() - mark
        say(f"Laying out {len(graph.nodes)} nodes…")
        mark = time.perf_counter()
        layout = layout_graph(graph, node_size)
        seconds["layout"] = time.perf_counter() - mark
    except Exception as error:  # shown to the person as one line; the view keeps working
        return GraphResult(request, error=str(error) or type(error).__name__)
    return GraphResult(
        request,
        stats=stats,
        graph=graph,
        layout=layout,
        expanded=expanded if isinstance(expanded, str) else frozenset(expanded),
        blocks=tuple(collapsible_blocks(stats)),
        model=model,
        seconds=seconds,
    )


def with_enclosing(expanded: frozenset[str] | str, blocks: frozenset[str]) -> frozenset[str] | str:
    """`expanded` plus `blocks` and every block around them."""
    from cnnstudio.engine.anatomy.graph_model import block_chain

    if expanded == ALL or not blocks:
        return expanded
    return frozenset(expanded).union(*(block_chain(block) for block in blocks))


def innermost_open(result: GraphResult) -> list[str]:
    """The opened blocks whose layers show as layers (none of their own blocks opened): the
    ones the view frames. None when everything is open (a frame per block would be noise)."""
    if result.expanded == ALL:
        return []
    opened = set(result.expanded) & set(result.blocks)
    shown = {block for node in result.graph.nodes for block in node.blocks}
    inner = []
    for block in sorted(opened & shown):
        holds_open = any(
            block in node.blocks
            and node.blocks.index(block) < len(node.blocks) - 1
            and node.blocks[-1] in opened
            for node in result.graph.nodes
        )
        if not holds_open:
            inner.append(block)
    return inner


def toggled(result: GraphResult, node_id: str) -> tuple[frozenset[str] | str, str] | None:
    """What a double click on `node_id` opens: (the new expanded blocks, the block to show), or
    None when nothing changes. A collapsed block opens; a layer closes its innermost open
    block."""
    if node_id not in result.graph:
        return None
    node = result.graph.node(node_id)
    blocks = set(result.blocks)
    opened = set(blocks) if result.expanded == ALL else set(result.expanded)
    focus = ""
    if node.collapsed:
        opened.add(node.label)
        focus = node.label
    else:
        inner = next((b for b in reversed(node.blocks) if b in blocks and b in opened), None)
        if inner is None:
            return None
        opened.discard(inner)
    return (ALL if blocks and opened >= blocks else frozenset(opened)), focus
