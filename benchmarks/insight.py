"""Benchmarks of the insight wing (issue 21): evaluation speed and memory, Grad-CAM latency.

evaluate: the bundled LeNet-5 (`digit_recognizer.bundled_model_path()`) evaluated on mnist-5k's
  1,000 validation images by `evaluate_run`, the model already loaded (`Predictor.from_run`, as
  the app holds it): the first call (its traced forward pass and pipeline made then) and the
  median of the calls after it, against plain `model.predict(x, batch_size=256)` on the same
  images as arrays fitted to 32x32 (a copy of the model loaded on its own, so its predict
  function is traced in its first call too). Target: under 1 s.
evaluate-folder: a folder of 10,000 224x224 JPEGs (random smooth pictures, written by the
  benchmark into a temporary folder) evaluated with a tiny model that takes 224x224x3, in a
  fresh process each for the first 1,000 files and for all 10,000: the growth of the peak
  resident memory over the evaluation (VmHWM after it less VmRSS before it). Flat memory: the
  10,000 files' growth within 1.3x the 1,000's (the whole folder in memory would be 1.5 GB).
gradcam-pad: Grad-CAM of the bundled LeNet-5 on a drawn digit as the pad has it at the end of a
  stroke (a 280x280 canvas): MNIST preprocessing, Grad-CAM at the default target layer, the
  uint8 overlay that a view draws; p50 / p95 / max over 100 strokes after a first call (which
  traces; a pad traces once per model). Target: p95 <= 50 ms.
gradcam-resnet50: Grad-CAM of the zoo's ResNet-50 (random weights, 1,000 classes) on one
  224x224x3 image: seconds per image, median of the calls after the first. Target: < 1.5 s.
  `make bench-peers` compares it with pytorch-grad-cam on torchvision's ResNet-50.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import Check, benchmark

ROOT = Path(__file__).resolve().parents[1]
EVALUATE_TARGET_S = 1.0
FOLDER_FILES = 10_000
FOLDER_SMALL = 1_000
FOLDER_SIDE = 224
FLAT_TARGET = 1.3
PAD_STROKES = 100
PAD_TARGET_P95_MS = 50.0
RESNET_TARGET_S = 1.5
RESNET_CALLS = 5


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _run_with(model_file: Path, dataset: dict[str, Any], config: dict[str, Any]) -> Any:
    """A finished run in the bench's temporary home holding a copy of `model_file`."""
    from cnnstudio.engine.store.runs import RunStore

    run = RunStore().create(dataset["model"], config["dataset"])
    shutil.copyfile(model_file, run.model_file)
    run.write_record(
        {
            "schema_version": 2,
            "model": {"name": dataset["model"]},
            "status": "finished",
            "config": config,
            "dataset": {k: v for k, v in dataset.items() if k != "model"},
        }
    )
    return run


def lenet_run() -> Any:
    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    dataset = {
        "model": "lenet5",
        "name": "mnist-5k",
        "class_names": [str(d) for d in range(10)],
        "image_shape": [28, 28, 1],
    }
    config = {"dataset": "mnist-5k", "validation_fraction": 0.2, "seed": 0}
    return _run_with(bundled_model_path(), dataset, config)


def _timed(function, *args, **kwargs) -> tuple[float, Any]:
    began = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - began, value


@benchmark("evaluate")
def evaluate_lenet(args: argparse.Namespace) -> list[Check]:
    import keras

    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit
    from cnnstudio.engine.insight.run_evaluation import evaluate_run
    from cnnstudio.engine.use.digit_recognizer import bundled_model_path
    from cnnstudio.engine.use.inference import Predictor

    run = lenet_run()
    load_s, predictor = _timed(Predictor.from_run, run)
    first_s, outcome = _timed(evaluate_run, run, use_cache=False, predictor=predictor)
    warm = [_timed(evaluate_run, run, use_cache=False, predictor=predictor)[0] for _ in range(5)]
    split = load_dataset("mnist-5k").validation
    x = fit_images_numpy(split.images, plan_fit(split.images.shape[1:], predictor.input_shape))
    model = keras.saving.load_model(bundled_model_path())
    predict_first = _timed(model.predict, x, batch_size=256, verbose=0)[0]
    predict_warm = [_timed(model.predict, x, batch_size=256, verbose=0)[0] for _ in range(5)]
    warm_s, predict_s = statistics.median(warm), statistics.median(predict_warm)
    print(
        f"evaluate: bundled LeNet-5 on mnist-5k's {outcome.figures['count']} validation images "
        f"(accuracy {outcome.figures['accuracy']:.3f}); model loaded in {load_s:.2f} s"
    )
    print(
        f"  evaluate_run: first call {first_s:.3f} s, then median {warm_s:.3f} s; "
        f"model.predict on the arrays: first {predict_first:.3f} s, then {predict_s:.3f} s"
    )
    print(
        f"  ratio evaluate_run / model.predict: first calls {first_s / predict_first:.2f}, "
        f"warm {warm_s / predict_s:.2f} (evaluation adds loading the split, the figures and "
        f"the cache file)"
    )
    return [
        Check(
            "evaluate: LeNet-5, 1,000 images, first call",
            first_s,
            f"< {EVALUATE_TARGET_S:.1f} s",
            first_s < EVALUATE_TARGET_S,
            " s",
        ),
        Check(
            "evaluate: first call / model.predict's first",
            first_s / predict_first,
            "(reported)",
            True,
        ),
    ]


# -- a 10,000-image folder, memory ---------------------------------------------------------------


def write_folder(root: Path, count: int, side: int = FOLDER_SIDE, classes: int = 2) -> None:
    """`count` JPEGs in `classes` class folders: 64 distinct smooth random pictures (a few KB
    each), each file a copy of one, so writing 10,000 takes seconds."""
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    pictures = []
    for _ in range(64):
        coarse = rng.integers(0, 256, (7, 7, 3), dtype=np.uint8)
        image = Image.fromarray(coarse).resize((side, side), Image.Resampling.BILINEAR)
        encoded = io.BytesIO()
        image.save(encoded, format="JPEG", quality=80)
        pictures.append(encoded.getvalue())
    for label in range(classes):
        (root / f"class{label}").mkdir(parents=True, exist_ok=True)
    for index in range(count):
        name = root / f"class{index % classes}" / f"{index:05d}.jpg"
        name.write_bytes(pictures[index % len(pictures)])


def tiny_model_file(path: Path, side: int = FOLDER_SIDE, classes: int = 2) -> Path:
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((side, side, 3))
    x = keras.layers.Conv2D(8, 3, strides=4, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    keras.Model(inputs, outputs, name="tiny224").save(path)
    return path


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def folder_child(folder: str, model_file: str) -> None:
    """In a fresh process: evaluate `folder` with a run holding `model_file`; print one JSON
    line with the resident memory before and the peak after."""
    from cnnstudio.engine.insight.run_evaluation import evaluate_run
    from cnnstudio.engine.use.inference import Predictor

    dataset = {
        "model": "tiny224",
        "name": f"folder:{folder}",
        "class_names": ["class0", "class1"],
        "image_shape": [FOLDER_SIDE, FOLDER_SIDE, 3],
    }
    config = {"dataset": f"folder:{folder}", "validation_fraction": 0.2, "seed": 0}
    run = _run_with(Path(model_file), dataset, config)
    predictor = Predictor.from_run(run)
    predictor.probabilities(np.zeros((1, FOLDER_SIDE, FOLDER_SIDE, 3), np.float32))  # traced
    before = _status_kb("VmRSS")
    began = time.perf_counter()
    outcome = evaluate_run(run, data=folder, use_cache=False, predictor=predictor)
    seconds = time.perf_counter() - began
    print(
        "FOLDER "
        + json.dumps(
            {
                "count": outcome.figures["count"],
                "seconds": seconds,
                "rss_before_kb": before,
                "peak_kb": _status_kb("VmHWM"),
            }
        ),
        flush=True,
    )


def _measure_folder(folder: Path, model_file: Path) -> dict[str, Any]:
    code = (
        "import sys; from benchmarks.insight import folder_child; "
        "folder_child(sys.argv[1], sys.argv[2])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(model_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the folder evaluation failed:\n{done.stderr[-3000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("FOLDER "))
    return json.loads(line[len("FOLDER ") :])


@benchmark("evaluate-folder")
def evaluate_folder(args: argparse.Namespace) -> list[Check]:
    with tempfile.TemporaryDirectory(prefix="cnnstudio-bench-folder-") as temp:
        large, small = Path(temp) / "large", Path(temp) / "small"
        write_seconds = _timed(write_folder, large, FOLDER_FILES)[0]
        # A tenth of the same files (both classes), linked: the same bytes on disk.
        for path in sorted(large.glob("*/*.jpg"))[:: FOLDER_FILES // FOLDER_SMALL]:
            (small / path.parent.name).mkdir(parents=True, exist_ok=True)
            os.link(path, small / path.parent.name / path.name)
        model_file = tiny_model_file(Path(temp) / "tiny224.keras")
        results = {count: _measure_folder(root, model_file)
                   for count, root in ((FOLDER_SMALL, small), (FOLDER_FILES, large))}  # fmt: skip
    growth = {n: (r["peak_kb"] - r["rss_before_kb"]) / 1024 for n, r in results.items()}
    ratio = growth[FOLDER_FILES] / max(growth[FOLDER_SMALL], 1.0)
    whole = FOLDER_FILES * FOLDER_SIDE * FOLDER_SIDE * 3 / 2**20
    print(
        f"evaluate-folder: {FOLDER_FILES:,} {FOLDER_SIDE}x{FOLDER_SIDE} JPEGs written in "
        f"{write_seconds:.1f} s; a tiny 224x224x3 model, batch 256, each size in a fresh process"
    )
    for count, result in results.items():
        print(
            f"  {count:>6,} files: {result['seconds']:.1f} s ({count / result['seconds']:,.0f} "
            f"images/s), peak resident memory {result['peak_kb'] / 1024:,.0f} MB, growth over "
            f"the evaluation {growth[count]:,.0f} MB"
        )
    print(
        f"  growth 10,000 / 1,000 files: {ratio:.2f} (the 10,000 images held as uint8 would "
        f"be {whole:,.0f} MB)"
    )
    return [
        Check(
            "evaluate-folder: memory growth, 10,000 / 1,000",
            ratio,
            f"<= {FLAT_TARGET:.1f}",
            ratio <= FLAT_TARGET and results[FOLDER_FILES]["count"] == FOLDER_FILES,
        )
    ]


# -- Grad-CAM -----------------------------------------------------------------------------------


def pad_canvases(count: int, side: int = 280) -> list[np.ndarray]:
    """The pad's scripted digits drawn on a `side` x `side` canvas as a person draws them
    (white on black, a round pen), in turn, `count` canvases."""
    from PIL import Image, ImageDraw

    from cnnstudio.gui.pad.demo_digits import DIGITS

    drawn = []
    for strokes in DIGITS.values():
        image = Image.new("L", (side, side), 0)
        draw = ImageDraw.Draw(image)
        for polyline in strokes:
            points = [(x * side, y * side) for x, y in polyline]
            draw.line(points, fill=255, width=18, joint="curve")
        drawn.append(np.asarray(image))
    return [drawn[i % len(drawn)] for i in range(count)]


@benchmark("gradcam-pad")
def gradcam_pad(args: argparse.Namespace) -> list[Check]:
    from cnnstudio.engine.insight.explain import GradCAM
    from cnnstudio.engine.insight.overlay import heat_overlay
    from cnnstudio.engine.use.digit_recognizer import DigitRecognizer

    recognizer = DigitRecognizer.bundled()
    made_s, cam = _timed(GradCAM, recognizer.model)

    def stroke_end(canvas: np.ndarray) -> np.ndarray:
        prepared = recognizer.prepare(canvas)
        heat = cam(prepared[np.newaxis])[0]
        return heat_overlay(prepared, heat)

    canvases = pad_canvases(PAD_STROKES + 1)
    first_s, picture = _timed(stroke_end, canvases[0])
    assert picture.dtype == np.uint8 and picture.shape[-1] == 3
    times = [1000 * _timed(stroke_end, canvas)[0] for canvas in canvases[1:]]
    p50, p95 = statistics.median(times), _percentile(times, 0.95)
    print(
        f"gradcam-pad: bundled LeNet-5, target layer {cam.target_layers[0]}, 280x280 canvas -> "
        f"{picture.shape[0]}x{picture.shape[1]} uint8 overlay; method made in {made_s * 1000:.0f} "
        f"ms, first call {first_s * 1000:.0f} ms"
    )
    print(
        f"  stroke end -> overlay over {len(times)} strokes: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms"
    )
    return [
        Check(
            "gradcam-pad: stroke end to overlay, p95",
            p95,
            f"<= {PAD_TARGET_P95_MS:.0f} ms",
            p95 <= PAD_TARGET_P95_MS,
            " ms",
        )
    ]


def resnet50_gradcam_seconds(calls: int = RESNET_CALLS) -> dict[str, Any]:
    """Seconds per Grad-CAM of the zoo's ResNet-50 on one random 224x224x3 image (also what
    `make bench-peers` runs as the engine's side)."""
    import keras

    from cnnstudio.engine.insight.explain import GradCAM
    from cnnstudio.models import create_model

    keras.utils.set_random_seed(0)
    model = create_model("resnet50", (224, 224, 3), 1000)
    image = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    cam = GradCAM(model)
    first_s, heat = _timed(cam, image)
    seconds = [_timed(cam, image)[0] for _ in range(calls)]
    assert heat.shape == (1, 224, 224)
    return {"first": first_s, "seconds": seconds, "layer": cam.target_layers[0]}


@benchmark("gradcam-resnet50")
def gradcam_resnet50(args: argparse.Namespace) -> list[Check]:
    result = resnet50_gradcam_seconds()
    median = statistics.median(result["seconds"])
    print(
        f"gradcam-resnet50: zoo ResNet-50 (random weights), one 224x224x3 image, target layer "
        f"{result['layer']}: first call {result['first']:.2f} s, then median {median:.3f} s "
        f"(range {min(result['seconds']):.3f}-{max(result['seconds']):.3f}) over "
        f"{len(result['seconds'])} calls"
    )
    return [
        Check(
            "gradcam-resnet50: seconds per image",
            median,
            f"< {RESNET_TARGET_S:.1f} s",
            median < RESNET_TARGET_S,
            " s",
        )
    ]
