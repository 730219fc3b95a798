"""Devices and scale on the CPU: are the engine's automatic settings the fast choice here?

LeNet-5 on mnist-5k and ResNet-18 on CIFAR-sized images (32x32x3, random pixels made here: the
bench needs no download), each trained by the engine four ways, each in a fresh process (the
logical CPU split must happen before TensorFlow starts):

  auto      the engine's automatic settings (on the CPU: float32, XLA off, steps_per_execution
            chosen by the engine)
  xla       the same with XLA forced on (`xla="on"`)
  spe1      the same with `steps_per_execution=1`
  mirrored  MirroredStrategy over the CPU split into two logical devices (CNNSTUDIO_LOGICAL_CPUS=2),
            half the batch per device so that the global batch is the same as `auto`'s

Throughput: training images per second from one epoch's end to the next (validation included),
fastest of the epochs after the first. No augmentation (it has no XLA kernel). The machine is
shared: the numbers are indicative.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Check, benchmark

# (model, data, batch, epochs, limit_batches): short enough to run in well under a minute each.
WORKLOADS = {
    "lenet5": ("lenet5", "mnist-5k", 256, 4, 0),
    "resnet18": ("resnet18", "random-32x32x3", 64, 3, 3),
}
VARIANTS = {
    "auto": ({}, {}),
    "xla": ({"xla": "on"}, {}),
    "spe1": ({"steps_per_execution": 1}, {}),
    "mirrored": ({"strategy": "mirrored", "halve_batch": True}, {"CNNSTUDIO_LOGICAL_CPUS": "2"}),
}
REPO = Path(__file__).resolve().parents[1]


def _random_cifar_like(images: int = 1024):
    """A CIFAR-sized data set of random pixels (throughput does not depend on the pixels)."""
    import numpy as np

    from cnnstudio.engine.data.data_types import Dataset, DatasetInfo, Split

    rng = np.random.default_rng(0)

    def split(count: int) -> Split:
        pixels = rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
        return Split(pixels, rng.integers(0, 10, count).astype(np.int64))

    info = DatasetInfo(
        "random-32x32x3", "Random 32x32x3", "random pixels for the bench", (32, 32, 3), 10,
        tuple(str(i) for i in range(10)), images, images // 4, "none", "made here", True,
    )  # fmt: skip
    return Dataset(info, split(images), split(images // 4))


def run_case(workload: str, variant: str) -> dict:
    """In this process: train one case, return its throughput and what the engine chose."""
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.events import EpochEnd, RunStarted, TrainingObserver
    from cnnstudio.engine.training.session import TrainingSession

    model, data, batch, epochs, limit = WORKLOADS[workload]
    changes = dict(VARIANTS[variant][0])
    if changes.pop("halve_batch", False):
        batch //= 2
    dataset = _random_cifar_like() if data.startswith("random") else None

    class Clock(TrainingObserver):
        def __init__(self) -> None:
            self.ends: list[float] = []
            self.started: RunStarted | None = None

        def on_event(self, event) -> None:
            if isinstance(event, EpochEnd):
                self.ends.append(time.perf_counter())
            elif isinstance(event, RunStarted):
                self.started = event

    clock = Clock()
    # No augmentation in any variant: its image transform has no XLA kernel (the engine turns
    # XLA off for augmented runs), and every variant must do the same work.
    config = TrainingConfig(
        model=model,
        dataset=data,
        batch_size=batch,
        epochs=epochs,
        limit_batches=limit,
        augment=False,
        **changes,
    )
    session = TrainingSession(config, clock, dataset=dataset)
    result = session.run()
    if result.status != "finished":
        raise RuntimeError(f"{workload}/{variant}: {result.status}: {result.reason}")
    hardware = session.run_handle.reload()["hardware"]
    images = clock.started.steps_per_epoch * hardware["global_batch_size"]
    fastest = min(later - earlier for earlier, later in itertools.pairwise(clock.ends))
    return {
        "images_per_second": images / fastest,
        "steps_per_execution": clock.started.steps_per_execution,
        "xla": hardware["xla"],
        "replicas": hardware["replicas"],
    }


def _in_fresh_process(workload: str, variant: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), **VARIANTS[variant][1])
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "case.json"
        command = [sys.executable, "-m", "benchmarks.devices", workload, variant, str(out)]
        done = subprocess.run(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or not out.is_file():
            raise RuntimeError(f"{workload}/{variant} failed:\n{done.stdout[-2000:]}")
        return json.loads(out.read_text())


@benchmark("devices")
def devices_and_scale(args: argparse.Namespace) -> list[Check]:
    checks = []
    print("devices: engine throughput on the CPU, automatic settings against the alternatives")
    for workload in WORKLOADS:
        results = {variant: _in_fresh_process(workload, variant) for variant in VARIANTS}
        auto = results["auto"]["images_per_second"]
        for variant, result in results.items():
            print(
                f"  {workload:<9} {variant:<9} {result['images_per_second']:>9,.0f} img/s  "
                f"(steps/execution {result['steps_per_execution']}, XLA "
                f"{'on' if result['xla'] else 'off'}, {result['replicas']} replica(s))"
            )
        for variant in ("xla", "spe1", "mirrored"):
            ratio = auto / results[variant]["images_per_second"]
            # The automatic settings must not be beaten by more than the noise of a shared
            # machine; mirrored on logical CPUs shares the same two cores, so it is shown only.
            target = 0.9 if variant != "mirrored" else 0.0
            checks.append(
                Check(f"{workload}: auto / {variant}", ratio, f">= {target:.2f}", ratio >= target)
            )
    return checks


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    workload_name, variant_name, report = sys.argv[1:4]
    Path(report).write_text(json.dumps(run_case(workload_name, variant_name)))
