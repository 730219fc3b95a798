"""The layer graph's engine: statistics and layout of the issue's large models, against
`keras.utils.plot_model` in the same run.

    python -m benchmarks.graph_layout      # prints the numbers as JSON

`make bench` runs it as the `graph` benchmark. For DenseNet-201 (709 layers), ResNet-152 and
Inception v3 at their canonical input (224x224x3 or 299x299x3, 1000 classes):

* statistics as the view gets them (`graph_source.zoo_stats`: the shipped canonical file) and,
  for the record, built: the model without weight buffers plus `compute_model_stats`, which is
  what any other configuration costs the first time on a machine;
* layout: `build_graph` + `layout_graph`, fully expanded and collapsed as the view opens them
  (best of 5: other processes on a shared machine only ever add time);
* grandalf's SugiyamaLayout on the same expanded graph where grandalf is installed (the
  alternative the layout was chosen against; not a dependency);
* the anchor: `keras.utils.plot_model(densenet201, show_shapes=True)` as SVG through pydot and
  Graphviz, where both are installed (`pip install pydot`, `apt-get install graphviz`; neither is
  a project dependency); skipped with a note otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks import Check, benchmark

MODELS = ("densenet201", "resnet152", "inception_v3")
EXPANDED_TARGET_S = 0.5
COLLAPSED_TARGET_S = 0.1


def _best(function, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _grandalf_seconds(graph) -> float | None:
    try:
        from grandalf.graphs import Edge, Graph, Vertex
        from grandalf.layouts import SugiyamaLayout
        from grandalf.routing import route_with_lines
    except ImportError:
        return None

    class View:
        w, h = 190.0, 58.0

    class EdgeView:
        def setpath(self, points) -> None:
            self.points = points

    start = time.perf_counter()
    vertices = {node.id: Vertex(node.id) for node in graph.nodes}
    for vertex in vertices.values():
        vertex.view = View()
    edges = [Edge(vertices[e.source], vertices[e.target]) for e in graph.edges]
    for edge in edges:
        edge.view = EdgeView()
    for component in Graph(list(vertices.values()), edges).C:
        layout = SugiyamaLayout(component)
        layout.route_edge = route_with_lines
        layout.init_all()
        layout.draw()
    return time.perf_counter() - start


def _plot_model_seconds(suffix: str = ".svg") -> tuple[float | None, str]:
    """plot_model(densenet201, show_shapes=True) as SVG (or PNG), or None and why not."""
    try:
        import pydot  # noqa: F401
    except ImportError:
        return None, "pydot is not installed (pip install pydot)"
    if shutil.which("dot") is None:
        return None, "Graphviz's dot is not installed (apt-get install graphviz)"
    import keras

    from cnnstudio.engine.anatomy.graph_source import shape_only

    model = shape_only("densenet201", (224, 224, 3), 1000)
    with tempfile.TemporaryDirectory(prefix="cnnstudio-plot-") as folder:
        path = Path(folder) / f"densenet201{suffix}"
        start = time.perf_counter()
        keras.utils.plot_model(model, to_file=str(path), show_shapes=True)
        seconds = time.perf_counter() - start
    return seconds, f"keras.utils.plot_model(densenet201, show_shapes=True) -> {suffix[1:].upper()}"


def measure() -> dict:
    from cnnstudio.engine.anatomy import graph_source
    from cnnstudio.engine.anatomy.graph_layout import layout_graph
    from cnnstudio.engine.anatomy.graph_model import build_graph, default_expanded
    from cnnstudio.engine.anatomy.graph_source import canonical_key, compute_zoo_stats, zoo_stats
    from cnnstudio.models import get_model_info

    # TensorFlow's and Keras's first-use costs are not the statistics'.
    compute_zoo_stats(canonical_key("lenet5"))
    results = {}
    for name in MODELS:
        info = get_model_info(name)
        graph_source.clear_cache()
        start = time.perf_counter()
        stats = zoo_stats(name, info.canonical_input, info.default_classes)
        stats_s = time.perf_counter() - start
        start = time.perf_counter()
        compute_zoo_stats(canonical_key(name))
        build_s = time.perf_counter() - start
        expanded = default_expanded(stats)
        full = build_graph(stats, "all")
        collapsed = build_graph(stats, expanded)
        results[name] = {
            "layers": len(stats.layers),
            "collapsed_nodes": len(collapsed.nodes),
            "stats_s": stats_s,
            "build_s": build_s,
            "layout_expanded_s": _best(lambda s=stats: layout_graph(build_graph(s, "all"))),
            "layout_collapsed_s": _best(
                lambda s=stats, e=expanded: layout_graph(build_graph(s, e))
            ),
            "grandalf_expanded_s": _grandalf_seconds(full),
        }
    from cnnstudio.engine.anatomy import stats_store

    # A data set's configuration (DenseNet-201 on CIFAR-10), as the view asks for it.
    graph_source.clear_cache()
    start = time.perf_counter()
    zoo_stats("densenet201", (32, 32, 3), 10)
    dataset_s = time.perf_counter() - start
    plot_s, plot_note = _plot_model_seconds(".svg")
    png_s, _ = _plot_model_seconds(".png") if plot_s is not None else (None, "")
    return {
        "models": results,
        "plot_model_s": plot_s,
        "plot_model_png_s": png_s,
        "plot_model_note": plot_note,
        "dataset_stats_s": dataset_s,
        "dataset_entries_current": stats_store.shipped_extra_current(),
    }


@benchmark("graph")
def graph_layout(args: argparse.Namespace) -> list[Check]:
    result = measure()
    plot_s = result["plot_model_s"]
    print("graph: statistics (shipped file / built without weights) and layout (best of 5)")
    checks = []
    for name, row in result["models"].items():
        grandalf = row["grandalf_expanded_s"]
        print(
            f"  {name}: {row['layers']} layers, statistics {1e3 * row['stats_s']:.0f} ms "
            f"(built: {row['build_s']:.2f} s); layout "
            f"expanded {1e3 * row['layout_expanded_s']:.1f} ms, collapsed "
            f"({row['collapsed_nodes']} nodes) {1e3 * row['layout_collapsed_s']:.1f} ms"
            + (f"; grandalf expanded {1e3 * grandalf:.0f} ms" if grandalf is not None else "")
        )
        checks.append(
            Check(
                f"{name} layout, expanded",
                row["layout_expanded_s"],
                f"<= {EXPANDED_TARGET_S:.2f} s",
                row["layout_expanded_s"] <= EXPANDED_TARGET_S,
                " s",
            )
        )
        checks.append(
            Check(
                f"{name} statistics + layout, expanded",
                row["stats_s"] + row["layout_expanded_s"],
                f"<= {EXPANDED_TARGET_S:.2f} s",
                row["stats_s"] + row["layout_expanded_s"] <= EXPANDED_TARGET_S,
                " s",
            )
        )
        checks.append(
            Check(
                f"{name} layout, collapsed",
                row["layout_collapsed_s"],
                f"<= {COLLAPSED_TARGET_S:.2f} s",
                row["layout_collapsed_s"] <= COLLAPSED_TARGET_S,
                " s",
            )
        )
    current = result["dataset_entries_current"]
    print(
        f"  DenseNet-201 at CIFAR-10's 32x32x3, 10 classes: statistics "
        f"{1e3 * result['dataset_stats_s']:.0f} ms; shipped data-set statistics "
        + {
            True: "current",
            False: "STALE (python packaging/make_zoo_stats.py --write)",
        }.get(current, "not checked (no sources)")
    )
    if plot_s is None:
        print(f"  plot_model anchor skipped: {result['plot_model_note']}")
    else:
        dense = result["models"]["densenet201"]
        print(
            f"  {result['plot_model_note']}: {plot_s:.2f} s "
            f"(PNG: {result['plot_model_png_s']:.2f} s)"
        )
        for label, value in (
            ("layout", dense["layout_expanded_s"]),
            ("statistics + layout", dense["stats_s"] + dense["layout_expanded_s"]),
        ):
            ratio = value / plot_s
            print(f"  DenseNet-201 expanded {label} / plot_model: {ratio:.3f}")
        checks.append(
            Check(
                "densenet201 layout / plot_model",
                dense["layout_expanded_s"] / plot_s,
                "<= 1.00",
                dense["layout_expanded_s"] <= plot_s,
            )
        )
    return checks


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
