"""The layer graph view on deep models: time from asking for a graph to a drawn, interactive one,
and frame times of a scripted zoom and pan.

    python -m benchmarks.graph_view           # prints the numbers as JSON
    python -m benchmarks --only graph_view    # the checks, as `make bench` runs them

"From asking to drawn" is what the view does when a person picks a model: statistics (the model
built without weight buffers, engine/anatomy/graph_source.py), the visible graph, the layout, the
scene's
items, and the first paint of the canvas (offscreen Qt, a 1100x700 viewport, the opening view).
Each model is measured cold (the statistics memo cleared: a model not yet seen in this process,
whose canonical configuration reads its statistics from the shipped file; other inputs build the
model once, see `benchmarks/graph_layout.py`) and warm (statistics memoised: going back to a
model, expanding and collapsing). Times are the best of
`--graph-repeats` runs: other processes on a shared machine only ever add time.

Frames: DenseNet-201 fully expanded (709 nodes), 60 scripted steps alternating wheel zooms about
a point (down to about 10 % and back) and pans (scroll bar moves), each followed by a whole
paint of the viewport; each step's time is the fastest of 3 runs of the script, and the
p50/p95/max are over the 60 steps.

Anchor, where pydot and Graphviz are installed (`pip install pydot`, `apt-get install graphviz`;
neither is a project dependency): `keras.utils.plot_model(densenet201, show_shapes=True)` to
SVG, timed in the same run, and the ratio of the view's expanded time to it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import Check, benchmark

# (label, zoo name, expanded: "all" or None for the model's default, which is collapsed)
CASES = (
    ("DenseNet-201 expanded", "densenet201", "all"),
    ("DenseNet-201 collapsed", "densenet201", None),
    ("ResNet-152 expanded", "resnet152", "all"),
    ("ResNet-152 collapsed", "resnet152", None),
    ("Inception v3 expanded", "inception_v3", "all"),
    ("Inception v3 collapsed", "inception_v3", None),
)
EXPANDED_TARGET_S = 1.2
COLLAPSED_TARGET_S = 0.3
LAYOUT_PAINT_TARGET_S = 0.5
FRAME_TARGET_MS = 30.0
VIEWPORT = (1100, 700)


def _canvas():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from cnnstudio.gui.graph.canvas import GraphCanvas
    from cnnstudio.gui.graph.render import application
    from cnnstudio.gui.graph.scene import GraphScene
    from cnnstudio.gui.graph.style import TextMetrics

    application()
    scene = GraphScene()
    canvas = GraphCanvas(scene)
    canvas.resize(*VIEWPORT)
    canvas.show()
    return scene, canvas, TextMetrics.measure()


def paint(canvas) -> None:
    """Paint the viewport now, whole, as the screen would show it. (`repaint()` of an offscreen
    window that is never exposed paints nothing; `grab()` renders the widget for real.)"""
    canvas.viewport().grab()


def time_to_graph(name: str, expanded, scene, canvas, metrics, cold: bool) -> dict:
    """Seconds per phase, from asking for `name` to the first paint of its graph."""
    from cnnstudio.engine.anatomy import graph_source
    from cnnstudio.engine.anatomy.graph_layout import layout_graph
    from cnnstudio.engine.anatomy.graph_model import build_graph, default_expanded
    from cnnstudio.models import get_model_info

    info = get_model_info(name)
    if cold:
        graph_source.clear_cache()
    began = time.perf_counter()
    stats = graph_source.zoo_stats(name, info.canonical_input, info.default_classes)
    after_stats = time.perf_counter()
    graph = build_graph(stats, expanded if expanded is not None else default_expanded(stats))
    layout = layout_graph(graph, metrics.node_size)
    after_layout = time.perf_counter()
    scene.show_graph(graph, layout, metrics)
    canvas.show_start()
    paint(canvas)
    done = time.perf_counter()
    return {
        "nodes": len(graph.nodes),
        "total_s": done - began,
        "stats_s": after_stats - began,
        "graph_layout_s": after_layout - after_stats,
        "layout_and_paint_s": done - after_stats,
        "scene_paint_s": done - after_layout,
    }


def frame_times(scene, canvas, steps: int = 60, rounds: int = 3) -> list[float]:
    """Milliseconds per repaint over a scripted sequence of zooms and pans: for each step the
    fastest of `rounds` runs of the whole script (other processes only ever add time)."""
    runs = [_frame_round(scene, canvas, steps) for _ in range(rounds)]
    return [min(times) for times in zip(*runs, strict=True)]


def _frame_round(scene, canvas, steps: int) -> list[float]:
    from PySide6.QtCore import QPointF

    canvas.set_zoom(1.0)
    canvas.centerOn(scene.graph_rect().center())
    paint(canvas)
    times = []
    anchor = QPointF(VIEWPORT[0] * 0.4, VIEWPORT[1] * 0.5)
    bar = canvas.verticalScrollBar()
    for step in range(steps):
        phase = step % 20
        start = time.perf_counter()
        if phase < 5:
            canvas.zoom_by(1 / 1.6, anchor)  # out, down to about 10 %
        elif phase < 10:
            canvas.zoom_by(1.6, anchor)  # back in
        else:
            bar.setValue(bar.value() + (1 if phase < 15 else -1) * 120)  # a drag's worth
        paint(canvas)
        times.append((time.perf_counter() - start) * 1000)
    return times


def plot_model_anchor() -> float | None:
    """Seconds for keras.utils.plot_model(densenet201, show_shapes=True) to SVG, or None where
    pydot or Graphviz is missing."""
    try:
        import pydot  # noqa: F401

        from cnnstudio.engine.anatomy.graph_source import shape_only
    except ImportError:
        return None
    import keras

    model = shape_only("densenet201", (224, 224, 3), 1000)
    with tempfile.TemporaryDirectory() as folder:
        try:
            began = time.perf_counter()
            keras.utils.plot_model(model, str(Path(folder) / "d.svg"), show_shapes=True)
            return time.perf_counter() - began
        except (ImportError, OSError):  # Graphviz's `dot` not installed
            return None


def measure(repeats: int = 3) -> dict:
    # Warm-up: TensorFlow and the zoo imported, Qt's fonts loaded (a person's app has them).
    scene, canvas, metrics = _canvas()
    time_to_graph("lenet5", None, scene, canvas, metrics, cold=True)
    results: dict[str, dict] = {}
    for label, name, expanded in CASES:
        for kind, cold in (("cold", True), ("warm", False)):
            runs = [
                time_to_graph(name, expanded, scene, canvas, metrics, cold) for _ in range(repeats)
            ]
            results[f"{label}, {kind}"] = min(runs, key=lambda run: run["total_s"])
    time_to_graph("densenet201", "all", scene, canvas, metrics, cold=False)
    frames = frame_times(scene, canvas)
    anchor = plot_model_anchor()
    return {
        "graphs": results,
        "frames_ms": {
            "p50": statistics.median(frames),
            "p95": sorted(frames)[int(0.95 * (len(frames) - 1))],
            "max": max(frames),
            "count": len(frames),
        },
        "plot_model_densenet201_svg_s": anchor,
    }


@benchmark("graph_view")
def graph_view(args: argparse.Namespace) -> list[Check]:
    print("graph view: from asking to a drawn graph (best of 3), and zoom/pan frames")
    data = measure(getattr(args, "graph_repeats", 3))
    checks = []
    for label, run in data["graphs"].items():
        print(
            f"  {label:<34} {run['total_s']:6.3f} s  ({run['nodes']} nodes; stats "
            f"{run['stats_s']:.3f}, graph+layout {run['graph_layout_s']:.3f}, scene+paint "
            f"{run['scene_paint_s']:.3f})"
        )
        target = EXPANDED_TARGET_S if "expanded" in label else COLLAPSED_TARGET_S
        checks.append(
            Check(f"{label} (s)", run["total_s"], f"<= {target}", run["total_s"] <= target)
        )
        if "expanded, cold" in label:
            value = run["layout_and_paint_s"]
            checks.append(
                Check(
                    f"{label.split(',')[0]} layout+paint (s)",
                    value,
                    f"<= {LAYOUT_PAINT_TARGET_S}",
                    value <= LAYOUT_PAINT_TARGET_S,
                )
            )
    frames = data["frames_ms"]
    print(
        f"  frames on DenseNet-201 expanded: p50 {frames['p50']:.1f} ms, p95 "
        f"{frames['p95']:.1f} ms, max {frames['max']:.1f} ms ({frames['count']} frames)"
    )
    checks.append(
        Check(
            "zoom/pan frame p95 (ms)",
            frames["p95"],
            f"< {FRAME_TARGET_MS:.0f}",
            frames["p95"] < FRAME_TARGET_MS,
        )
    )
    anchor = data["plot_model_densenet201_svg_s"]
    if anchor is None:
        print("  plot_model anchor skipped: pydot or Graphviz not installed")
    else:
        ours = data["graphs"]["DenseNet-201 expanded, cold"]["total_s"]
        print(
            f"  keras.utils.plot_model(densenet201) SVG: {anchor:.2f} s; the view: "
            f"{ours:.2f} s ({ours / anchor:.2f} x)"
        )
    return checks


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    print(json.dumps(measure(), indent=1))
