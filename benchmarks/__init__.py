"""Benchmarks: `make bench` (`python -m benchmarks [--only NAME ...]`). Not part of the tests, nor
of the installed package: they measure the repository's code for the people working on it.

Each benchmark is a function registered with `@benchmark("name")` that prints what it measures
and returns its checks (value, target, PASS/FAIL). The exit status is 1 when a check fails.
Add new ones the same way, in a module of this package that `main` imports.

training (benchmarks/training.py): LeNet-5 on mnist-5k, three ways, in this one process:
  (a) a plain Keras script as the docs write it: `model.fit(x, y, batch_size=32)` on NumPy float
      arrays padded to 32x32, compiled with Keras's defaults (`jit_compile="auto"`, which is XLA
      off on a machine without a GPU) and `verbose=0`, which only helps it; (a256) the same
      script at batch 256 with `steps_per_execution=16`, what a user who tunes it writes (no
      augmentation, so not a like-for-like target: `make bench-peers` has that comparison);
  (b) a hand-tuned `model.fit` of the engine's default recipe: its batch size, optimizer and
      schedule, input standardisation, a cached and prefetched `tf.data` pipeline, the engine's
      `steps_per_execution`, XLA off, and the augmentation written with Keras's own layers
      (RandomTranslation, RandomRotation, RandomZoom) where the Keras guide puts them for speed
      on an accelerator: in the model. On 2 CPU cores that is faster than a `tf.data` map too
      (17,000 against 12,600 images/s), so it is the tuned choice here as well;
  (c) the engine's `TrainingSession` (what `cnnstudio train` runs) with an observer attached.
  All three validate on the 1,000 validation images every epoch, as a user would. Throughput is
  training images per second of the time from one epoch's end to the next (validation, and the
  engine's checkpoint, history and TensorBoard writes, included), from the fastest of the
  measured epochs after a warm-up epoch: other processes on a shared machine only ever add time,
  so the fastest epoch is the best estimate of each one's own cost. The variants alternate in
  cycles so that a slow spell of the machine does not land on one of them only.
memory (benchmarks/training.py): 20 short training runs one after another; resident memory
  must not keep growing.
devices (benchmarks/devices.py): LeNet-5 and ResNet-18 (32x32x3) trained with the engine's
  automatic settings against XLA forced on, steps_per_execution=1, and MirroredStrategy on two
  logical CPU devices, each in a fresh process.
startup: `cnnstudio` to its first shown window, in a fresh process
  (benchmarks/gui_startup.py).
gui: training through the app's training view with live charts against the headless engine, and
  the GUI thread's stalls meanwhile (benchmarks/gui_training.py).
gui-memory: the app's resident memory over ten runs in one training view; it must level off
  (benchmarks/gui_memory.py).
graph: statistics and layout of DenseNet-201, ResNet-152 and Inception v3 (expanded and
  collapsed), grandalf's layout where installed, and `keras.utils.plot_model` as the anchor
  where pydot and Graphviz are (benchmarks/graph_layout.py).
graph_view: the layer graph view on the same models: from asking to a drawn graph, and zoom/pan
  frame times (benchmarks/graph_view.py).
pad: scripted strokes on the drawing pad; stroke end to updated bars (p50/p95/max) and the worst
  gap between paints while drawing (benchmarks/pad_latency.py).
evaluate, evaluate-folder, gradcam-pad, gradcam-resnet50 (benchmarks/insight.py): the bundled
  LeNet-5 evaluated on mnist-5k's validation split against `model.predict`; a 10,000-image
  224x224 folder evaluated with flat memory; Grad-CAM from a pad stroke's end to the overlay
  (p50/p95); Grad-CAM of ResNet-50 at 224x224, seconds per image.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Imported by `main` in this order, which is the order the benchmarks run in.
MODULES = (
    "training",
    "devices",
    "gui_startup",
    "gui_training",
    "gui_memory",
    "graph_layout",
    "graph_view",
    "pad_latency",
    "insight",
)


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    target: str  # e.g. ">= 2.00"
    passed: bool
    unit: str = ""

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        value = f"{self.value:.2f}{self.unit}"
        return f"  {self.name:<44} {value:>10}  (target {self.target})  {verdict}"


BENCHMARKS: dict[str, Callable[[argparse.Namespace], list[Check]]] = {}


def benchmark(name: str):
    """Register `function(args) -> list[Check]` under `name`, in definition order."""

    def register(function: Callable[[argparse.Namespace], list[Check]]):
        BENCHMARKS[name] = function
        return function

    return register


class TemporaryHome:
    """Runs made by the bench go to a temporary CNNSTUDIO_HOME, never the user's runs."""

    def __enter__(self) -> Path:
        self.previous = os.environ.get("CNNSTUDIO_HOME")
        self.path = Path(tempfile.mkdtemp(prefix="cnnstudio-bench-"))
        os.environ["CNNSTUDIO_HOME"] = str(self.path)
        return self.path

    def __exit__(self, *exc) -> None:
        if self.previous is None:
            os.environ.pop("CNNSTUDIO_HOME", None)
        else:
            os.environ["CNNSTUDIO_HOME"] = self.previous
        shutil.rmtree(self.path, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    for module in MODULES:
        importlib.import_module(f"benchmarks.{module}")  # registers its benchmarks
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        help="run only this benchmark (repeatable)",
    )
    # LeNet-5's epochs on mnist-5k take 0.2-0.5 s: eight a run give enough samples for the
    # fastest and the median epoch to stand out from a shared machine's noise.
    parser.add_argument(
        "--epochs", type=int, default=8, help="measured epochs per variant and cycle (default: 8)"
    )
    parser.add_argument(
        "--cycles", type=int, default=2, help="cycles of (a), (b), (c) (default: 2)"
    )
    parser.add_argument("--memory-runs", type=int, default=20)
    args = parser.parse_args(argv)

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    checks: list[Check] = []
    began = time.perf_counter()
    with TemporaryHome():
        for name in args.only or BENCHMARKS:
            start = time.perf_counter()
            results = BENCHMARKS[name](args)
            for check in results:
                print(check.line())
            print(f"  ({time.perf_counter() - start:.0f} s)\n", flush=True)
            checks += results
    failed = [check for check in checks if not check.passed]
    total = time.perf_counter() - began
    print(
        f"{len(checks) - len(failed)}/{len(checks)} checks passed in {total:.0f} s"
        + ("" if not failed else f"; FAILED: {', '.join(check.name for check in failed)}")
    )
    return 1 if failed or any(math.isnan(check.value) for check in checks) else 0
