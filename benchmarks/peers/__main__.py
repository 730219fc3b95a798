"""Runs the peers in rotation and prints the table (see `benchmarks.peers`)."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.peers.mnist5k import LENET5_FORWARD_MACS

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 10
RECIPE = ["--epochs", str(EPOCHS), "--batch-size", "256", "--optimizer", "adam", "--lr", "5e-3",
          "--schedule", "cosine", "--seed", "0"]  # fmt: skip
PY = [sys.executable, "-m"]
# name: (command, extra environment, engine it is compared with)
PROGRAMS = {
    "engine": ([*PY, "cnnstudio", "train", "--no-augment", *RECIPE], {}, None),
    "pytorch": ([*PY, "benchmarks.peers.torch_lenet"], {}, "engine"),
    "pytorch-compile": ([*PY, "benchmarks.peers.torch_lenet", "--compile"], {}, "engine"),
    "keras-tensorflow": (
        [*PY, "benchmarks.peers.keras_lenet"], {"KERAS_BACKEND": "tensorflow"}, "engine"
    ),
    "keras-jax": ([*PY, "benchmarks.peers.keras_lenet"], {"KERAS_BACKEND": "jax"}, "engine"),
    "engine-augment": ([*PY, "cnnstudio", "train", *RECIPE], {}, None),
    "pytorch-augment": (
        [*PY, "benchmarks.peers.torch_lenet", "--augment"], {}, "engine-augment"
    ),
    "resnet18-zoo": ([*PY, "benchmarks.peers.resnet18", "zoo"], {}, None),
    "resnet18-torchvision": (
        [*PY, "benchmarks.peers.resnet18", "torchvision"], {}, "resnet18-zoo"
    ),
    "gradcam-zoo": ([*PY, "benchmarks.peers.gradcam", "zoo"], {}, None),
    "gradcam-torch": ([*PY, "benchmarks.peers.gradcam", "torch"], {}, "gradcam-zoo"),
}  # fmt: skip
# Targets of issue 15: engine / program at least this.
# Issue 21: Grad-CAM of ResNet-50 no slower than pytorch-grad-cam's.
TARGETS = {"pytorch": 1.1, "keras-tensorflow": 1.0, "pytorch-augment": 1.0,
           "resnet18-torchvision": 1.0, "gradcam-torch": 1.0}  # fmt: skip
WALL_TARGET = 1.2  # the engine's whole command within 1.2x PyTorch's


@dataclass
class Runs:
    rates: list[float] = field(default_factory=list)  # per round: median img/s
    walls: list[float] = field(default_factory=list)  # per round: whole command, s
    accuracy: list[float] = field(default_factory=list)
    info: dict = field(default_factory=dict)


def _engine_epochs(home: Path) -> tuple[list[float], int, float]:
    """Seconds from one epoch's end to the next, from the run's history.jsonl."""
    (history,) = home.glob("runs/*/history.jsonl")
    entries = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    epochs = [e for e in entries if e.get("kind") == "epoch"]
    ends = [e["elapsed_seconds"] for e in epochs]
    seconds = [ends[0], *(b - a for a, b in itertools.pairwise(ends))]
    record = json.loads(next(home.glob("runs/*/run.json")).read_text())
    train = record.get("dataset", {}).get("train_size", 4000)
    return seconds, int(train), float(epochs[-1]["metrics"].get("val_accuracy", float("nan")))


def run_once(name: str) -> tuple[float, float, float, dict]:
    """One run of a program: (median img/s after the first epoch, wall s, accuracy, extra)."""
    command, extra_env, _ = PROGRAMS[name]
    with tempfile.TemporaryDirectory(prefix="cnnstudio-peers-") as home:
        env = {**os.environ, "CNNSTUDIO_HOME": home, "TF_CPP_MIN_LOG_LEVEL": "2", **extra_env}
        env.setdefault("KERAS_BACKEND", "tensorflow")
        begin = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - begin
        if done.returncode != 0:
            raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        if name.startswith("engine"):
            seconds, images, accuracy = _engine_epochs(Path(home))
            extra = {}
        else:
            line = next(x for x in done.stdout.splitlines() if x.startswith("PEER "))
            extra = json.loads(line[5:])
            seconds, images = extra.pop("epoch_seconds"), extra.pop("train_images")
            accuracy = extra.pop("val_accuracy", float("nan"))
    # The ResNet and Grad-CAM programs leave their warm-up steps out themselves.
    timed = seconds if name.startswith(("resnet", "gradcam")) else seconds[1:]
    return images / statistics.median(timed), wall, accuracy, extra


def matmul_peak() -> float:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("peak.py"))],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return float(done.stdout.split()[-1]) if done.returncode == 0 else float("nan")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", choices=list(PROGRAMS))
    args = parser.parse_args(argv)
    names = args.only or list(PROGRAMS)
    runs = {name: Runs() for name in names}
    began = time.perf_counter()
    peak = matmul_peak()
    for round_ in range(args.rounds):
        for name in names:
            rate, wall, accuracy, extra = run_once(name)
            runs[name].rates.append(rate)
            runs[name].walls.append(wall)
            runs[name].accuracy.append(accuracy)
            runs[name].info = extra
            print(f"  round {round_ + 1} {name:<22} {rate:>8,.0f} img/s  {wall:6.1f} s", flush=True)
        # The table so far after each round, the last one being the run's.
        table(runs, names, peak, round_ + 1, began)
    return 0


def table(runs: dict[str, Runs], names: list[str], peak: float, rounds: int, began: float) -> None:
    print(
        f"\n{_cpu()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"; {rounds} rounds in rotation; float32 matmul peak {peak:,.0f} GFLOP/s "
        f"(TensorFlow, 4096x4096)"
    )
    print(
        "| program | median img/s (range) | engine / it, paired (range) | whole command, s "
        "| last val acc | % of peak |"
    )
    print("|---|---|---|---|---|---|")
    checks = []
    for name in names:
        r = runs[name]
        median = statistics.median(r.rates)
        reference = PROGRAMS[name][2]
        ratio = ""
        if reference in runs:
            paired = [e / p for e, p in zip(runs[reference].rates, r.rates, strict=True)]
            value = statistics.median(paired)
            ratio = f"{value:.2f} ({min(paired):.2f}-{max(paired):.2f})"
            if name in TARGETS:
                checks.append((f"{reference} / {name}", value, TARGETS[name]))
        # Per training image: forward + backward (3 forward passes); LeNet-5's validation
        # adds a forward pass of 1,000 images per 4,000 trained.
        if name.startswith("resnet"):
            macs = runs.get("resnet18-zoo", r).info.get("forward_macs") or 0
            flops = 2 * macs * 3
        elif name.startswith("gradcam"):
            flops = 0  # a forward pass and part of a backward one: no single count to give
        else:
            flops = 2 * LENET5_FORWARD_MACS * (3 + 1000 / 4000)
        share = f"{100 * median * flops / (peak * 1e9):.0f}%" if flops and peak == peak else ""
        accuracy = statistics.median(r.accuracy)
        print(
            f"| {name} | {median:,.0f} ({min(r.rates):,.0f}-{max(r.rates):,.0f}) | {ratio} "
            f"| {statistics.median(r.walls):.1f} ({min(r.walls):.1f}-{max(r.walls):.1f}) "
            f"| {'' if accuracy != accuracy else f'{accuracy:.3f}'} | {share} |"
        )
    resnets = [runs[n].info.get("params") for n in ("resnet18-zoo", "resnet18-torchvision")
               if n in runs]  # fmt: skip
    if len(resnets) == 2:
        print(
            f"  ResNet-18 trainable parameters, zoo / torchvision: {resnets[0]:,} / {resnets[1]:,}"
        )
    if "gradcam-zoo" in runs and "gradcam-torch" in runs:
        zoo, torch = (statistics.median(runs[n].rates) for n in ("gradcam-zoo", "gradcam-torch"))
        print(
            f"  Grad-CAM of ResNet-50, one 224x224 image, seconds per image: engine (zoo) "
            f"{1 / zoo:.3f}, pytorch-grad-cam (torchvision) {1 / torch:.3f}; "
            f"pytorch-grad-cam / engine {zoo / torch:.2f}"
        )
    if "engine" in runs and "pytorch" in runs:
        walls = [e / p for e, p in zip(runs["engine"].walls, runs["pytorch"].walls, strict=True)]
    print()
    for label, value, target in checks:
        verdict = "met" if value >= target else "MISSED"
        print(f"  target {label} >= {target:.2f}: {value:.2f}  {verdict}")
    if "engine" in runs and "pytorch" in runs:
        wall = statistics.median(walls)
        verdict = "met" if wall <= WALL_TARGET else "MISSED"
        print(f"  target engine wall / pytorch wall <= {WALL_TARGET:.2f}: {wall:.2f}  {verdict}")
    print(f"  ({time.perf_counter() - began:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
