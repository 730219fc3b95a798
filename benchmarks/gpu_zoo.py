"""The zoo on a GPU: images per second of every model's forward pass and training step.

    python -m benchmarks.gpu_zoo [--models resnet50 lenet5 ...] [--precision float32 mixed]
                                 [--xla on off] [--batch 64] [--budget 480] [--out FILE.jsonl]

Not part of `make bench` (CI and this project's own machine have no GPU): run it wherever a GPU
is, on TensorFlow or, since the zoo uses only `keras.layers` and `keras.ops`, on JAX
(`KERAS_BACKEND=jax`; many GPU machines have JAX and no TensorFlow). It imports the zoo alone,
never the engine, so it needs nothing but Keras and a backend.

What it measures, per model at batch 64 on 224x224x3 (LeNet-5 at its own 32x32x1), 1,000 classes
(10 for LeNet-5), for each precision (`float32`; `mixed`: Keras's `mixed_float16` policy, which
also wraps the optimizer in a loss-scale optimizer) and XLA setting:
  * forward: `predict_on_batch` (the compiled predict function, inference mode);
  * train: `train_on_batch` with SGD + momentum and sparse categorical cross-entropy.
Inputs live on the device before timing starts (no host-to-device copy per step). Each figure is
the batch size over the median step time of the timed steps, after two warm-up steps that trace
and compile; compile time is reported on its own. `train_on_batch` and `predict_on_batch` return
host values, so every step ends synchronised: what is timed is the whole step.

XLA: on TensorFlow `--xla on off` compiles with `jit_compile=True` and without. On JAX every
Keras function is compiled by XLA; `jit_compile=False` there means op-by-op eager execution,
which nobody trains with, so on JAX only `on` is measured.

Results are appended one JSON line per measurement to `--out` as they come, so a run cut short
by its time budget (`--budget` seconds, checked between measurements) still keeps what it did;
the table is printed at the end. Anchor: NVIDIA's published ResNet-50 training throughput with
TensorFlow is about 2,375 images/s on one A100 with mixed precision and XLA, 909 in TF32 (at
larger batches than 64).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

# ResNet-50 first (the anchor), LeNet-5 next (the product's everyday model), then the rest.
DEFAULT_ORDER = (
    "resnet50",
    "lenet5",
    "alexnet",
    "vgg16",
    "inception_v1",
    "resnet18",
    "densenet121",
    "inception_v3",
    "nin",
    "inception_v2",
    "resnet34",
    "resnext50_32x4d",
    "vgg11",
    "vgg13",
    "vgg19",
    "resnet101",
    "densenet169",
    "resnet152",
    "densenet201",
)


def _input_for(name: str) -> tuple[tuple[int, int, int], int]:
    return ((32, 32, 1), 10) if name == "lenet5" else ((224, 224, 3), 1000)


def _median_step(function, steps: int, max_seconds: float) -> float:
    """Median seconds per call of `function` over up to `steps` calls or `max_seconds`."""
    times: list[float] = []
    began = time.perf_counter()
    while len(times) < steps and (len(times) < 5 or time.perf_counter() - began < max_seconds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, precision: str, xla: bool, batch: int, steps: int) -> dict:
    """One model, one precision, one XLA setting: forward and train images/s."""
    import keras
    import numpy as np

    from cnnstudio.models.registry import create_model

    keras.config.set_dtype_policy("mixed_float16" if precision == "mixed" else "float32")
    try:
        shape, classes = _input_for(name)
        model = create_model(name, shape, classes)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
            loss="sparse_categorical_crossentropy",
            jit_compile=xla,
        )
        rng = np.random.default_rng(0)
        x = keras.ops.convert_to_tensor(rng.random((batch, *shape), dtype=np.float32))
        y = keras.ops.convert_to_tensor(rng.integers(0, classes, (batch,)).astype("int32"))
        result = {
            "model": name,
            "backend": keras.backend.backend(),
            "precision": precision,
            "xla": xla,
            "batch": batch,
            "input": "x".join(map(str, shape)),
            "params": model.count_params(),
        }
        for kind, call in (
            ("forward", lambda: model.predict_on_batch(x)),
            ("train", lambda: model.train_on_batch(x, y)),
        ):
            start = time.perf_counter()
            call()
            call()
            result[f"{kind}_compile_s"] = round(time.perf_counter() - start, 2)
            seconds = _median_step(call, steps, max_seconds=3.0)
            result[f"{kind}_img_s"] = round(batch / seconds, 1)
        loss = model.train_on_batch(x, y)
        result["finite_loss"] = bool(np.isfinite(np.asarray(loss, dtype=np.float64)).all())
        return result
    finally:
        keras.config.set_dtype_policy("float32")
        keras.backend.clear_session()


def _device_line() -> str:
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return f"jax {jax.__version__}: " + ", ".join(str(d) for d in jax.devices())
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        names = [
            tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus
        ]
        return f"tensorflow {tf.__version__}: " + (", ".join(names) or "no GPU")
    return backend


def _table(rows: list[dict]) -> str:
    header = (
        f"{'model':<17} {'prec':<7} {'xla':<4} {'params':>11} "
        f"{'fwd img/s':>10} {'train img/s':>12} {'compile s (fwd/train)':>22}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        if "error" in r:
            lines.append(
                f"{r['model']:<17} {r['precision']:<7} {'on' if r['xla'] else 'off':<4} "
                f"error: {r['error']}"
            )
            continue
        lines.append(
            f"{r['model']:<17} {r['precision']:<7} {'on' if r['xla'] else 'off':<4} "
            f"{r['params']:>11,} {r['forward_img_s']:>10,.0f} {r['train_img_s']:>12,.0f} "
            f"{r['forward_compile_s']:>10.1f} / {r['train_compile_s']:<9.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.gpu_zoo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_ORDER))
    parser.add_argument(
        "--precision", nargs="+", choices=("mixed", "float32"), default=["mixed", "float32"]
    )
    parser.add_argument("--xla", nargs="+", choices=("on", "off"), default=["on", "off"])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per figure (at most)")
    parser.add_argument(
        "--budget",
        type=float,
        default=float("inf"),
        help="seconds; no new measurement starts after it",
    )
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args(argv)

    import keras

    backend = keras.backend.backend()
    xla_settings = [setting == "on" for setting in args.xla]
    if backend == "jax":
        xla_settings = [True]  # see the module docstring
    print(_device_line(), flush=True)
    began = time.perf_counter()
    rows: list[dict] = []
    # The first two models (ResNet-50, the anchor, and LeNet-5) in every precision first, then
    # every other model in mixed precision, then in float32: what a short budget cuts is last.
    head, rest = args.models[:2], args.models[2:]
    plan = [(p, m, x) for m in head for p in args.precision for x in xla_settings]
    plan += [(p, m, x) for p in args.precision for m in rest for x in xla_settings]
    for precision, name, xla in plan:
        if time.perf_counter() - began > args.budget:
            print(
                f"budget of {args.budget:.0f} s spent; not measured: {precision} {name}", flush=True
            )
            continue
        try:
            row = measure(name, precision, xla, args.batch, args.steps)
        except Exception as error:  # a model that fails is reported, the others still run
            row = {
                "model": name,
                "precision": precision,
                "xla": xla,
                "error": f"{type(error).__name__}: {str(error)[:300]}",
            }
        row["elapsed_s"] = round(time.perf_counter() - began, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
        if args.out is not None:
            with args.out.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
    print()
    print(_table(rows))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
