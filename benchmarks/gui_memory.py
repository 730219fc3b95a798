"""Benchmark `gui-memory`: the app's resident memory over ten training runs in one window.

A person trains run after run without closing the app; its memory must level off, not grow with
every run (old models, traced graphs, chart data and worker threads must go). Ten short runs of
LeNet-5 on mnist-5k through the training view (the form's Train button, the worker thread, live
charts), resident memory read after each; the check is the growth from the third run to the
tenth (the first runs load TensorFlow's kernels, caches and the chart machinery once).
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
from pathlib import Path

from benchmarks import Check, benchmark
from benchmarks.gui_training import _application, _through_panel, open_training_panel
from benchmarks.training import resident_memory_bytes

RUNS = 10
SETTLED_AFTER = 3  # runs before the baseline
TARGET_GROWTH_MB = 100.0


def measure_gui_memory(runs: int = RUNS, epochs: int = 2) -> list[float]:
    """Resident megabytes after each of `runs` training runs through one training view."""
    app = _application()
    import cnnstudio.models  # noqa: F401  (what the app's engine loader does)
    from cnnstudio.engine.store.runs import RunStore

    home = Path(tempfile.mkdtemp(prefix="cnnstudio-bench-memory-"))
    panel = open_training_panel(app, RunStore(home / "runs"))
    megabytes = []
    try:
        for _ in range(runs):
            _through_panel(panel, epochs)
            app.processEvents()
            gc.collect()
            megabytes.append(resident_memory_bytes() / 1e6)
    finally:
        panel.close()
        panel.deleteLater()
        app.processEvents()
        import shutil

        shutil.rmtree(home, ignore_errors=True)
    return megabytes


@benchmark("gui-memory")
def gui_memory(args: argparse.Namespace) -> list[Check]:
    megabytes = measure_gui_memory()
    growth = megabytes[-1] - megabytes[SETTLED_AFTER - 1]
    print(
        f"gui-memory: resident MB after each of {len(megabytes)} runs in one training view: "
        + ", ".join(f"{mb:.0f}" for mb in megabytes)
    )
    return [
        Check(
            f"app memory growth, run {SETTLED_AFTER} to {len(megabytes)}",
            growth,
            f"< {TARGET_GROWTH_MB:.0f} MB",
            growth < TARGET_GROWTH_MB,
            " MB",
        )
    ]


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    print(measure_gui_memory())
