"""Draw a layer graph to a file with no window: the same scene as the view, exported. Qt runs
offscreen unless QT_QPA_PLATFORM says otherwise.

`render_graph_file` is the one function of the GUI that the command line calls (`cnnstudio
graph`; the import contracts allow that arrow and no other): the request and its statistics,
graph and layout are the engine's (`engine/anatomy/graph_pipeline.py`), only the drawing is
Qt's."""

from __future__ import annotations

import os
from pathlib import Path

from cnnstudio.engine.anatomy.graph_pipeline import (
    GraphRequest,
    GraphResult,
    build_graph_result,
    innermost_open,
)
from cnnstudio.engine.formatting import format_count, format_int
from cnnstudio.gui.graph.style import shape_text
from cnnstudio.i18n import _


def application():
    """The process's QApplication, made offscreen when there is none (no display needed: the
    scene is only ever exported)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["cnnstudio-graph"])


def graph_title(result: GraphResult, display_name: str) -> str:
    """'LeNet-5 · input 32x32x1 · 10 classes · 61,706 parameters · 429 k MACs · 12 nodes of 12
    layers'."""
    stats = result.stats
    classes = stats.output_shapes[0][-1] if stats.output_shapes else "?"
    return _(
        "{name} · input {shape} · {classes} classes · {params} parameters · {macs} MACs · "
        "{nodes} nodes of {layers} layers"
    ).format(
        name=display_name,
        shape=shape_text(stats.input_shapes),
        classes=classes,
        params=format_int(stats.params),
        macs=format_count(stats.macs),
        nodes=len(result.graph.nodes),
        layers=len(stats.layers),
    )


def build(request: GraphRequest) -> GraphResult:
    """Statistics, graph and layout of `request`; raises ValueError (one line) on bad input."""
    application()
    from cnnstudio.gui.graph.style import TextMetrics

    result = build_graph_result(request, TextMetrics.measure().node_size)
    if result.error:
        raise ValueError(result.error)
    return result


def draw(result: GraphResult, out: str | Path, display_name: str = "") -> list[Path]:
    """Export `result` as `out` (.svg, or .png split into pages when large); the files."""
    application()
    from cnnstudio.gui.graph.export import export_graph
    from cnnstudio.gui.graph.scene import GraphScene
    from cnnstudio.gui.graph.style import TextMetrics

    scene = GraphScene()
    scene.show_graph(
        result.graph, result.layout, TextMetrics.measure(), frames=innermost_open(result)
    )
    name = display_name or result.request.model or Path(result.request.trained).name
    return export_graph(scene, out, graph_title(result, name))


def render_graph_file(
    request: GraphRequest, out: str | Path, display_name: str = ""
) -> tuple[GraphResult, list[Path]]:
    """Build `request` and draw it to `out` (.svg or .png); the result and the files written.
    ValueError (one line) for bad input: a model that cannot take the input, a file that is not
    a model, blocks to expand that the model does not have."""
    result = build(request)
    if request.also_expand:
        unknown = sorted(request.also_expand - set(result.blocks))
        if unknown:
            known = ", ".join(result.blocks[:12]) + (", ..." if len(result.blocks) > 12 else "")
            raise ValueError(
                f"no block {', '.join(unknown)} in {display_name or request.model}; its blocks "
                f"are: {known or '(none)'}"
            )
    return result, draw(result, out, display_name)
