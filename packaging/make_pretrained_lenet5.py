"""Retrain the bundled LeNet-5 of the drawing pad with CNN Studio itself, and record it.

One command, offline, a minute on two CPU cores::

    python packaging/make_pretrained_lenet5.py

It runs `cnnstudio train` (TRAIN_ARGS below) in a temporary CNNSTUDIO_HOME, copies the run's
model.keras to cnnstudio/resources/pretrained/lenet5_mnist.keras and writes metadata.json beside
it: the command, the validation accuracy of the shipped file measured again here on the
mnist-5k validation split (fitted as training fits it), its accuracy on the drawn digits of
tests/engine/drawn_digits.py, per digit, and the date. README.md there quotes these numbers.
`--check` measures the shipped file only (nothing is trained or written); `--record` measures
it and rewrites metadata.json, without training.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRETRAINED = ROOT / "cnnstudio" / "resources" / "pretrained"
TRAIN_ARGS = [
    "train",
    "--model",
    "lenet5",
    "--data",
    "mnist-5k",
    "--epochs",
    "30",
    "--augment-stroke",
    "0.75",
    "--seed",
    "0",
]


def train(home: Path) -> Path:
    """`cnnstudio train TRAIN_ARGS` in `home`; the run's model.keras."""
    os.environ["CNNSTUDIO_HOME"] = str(home)
    from cnnstudio import cli

    if cli.main(TRAIN_ARGS) != 0:
        raise SystemExit("training failed; see above")
    (run,) = (home / "runs").iterdir()
    return run / "model.keras"


def measure(model_file: Path) -> dict:
    """Validation accuracy (mnist-5k, as training measured it) and drawn-digit accuracy."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.data.pipeline import fit_images_numpy, plan_fit
    from cnnstudio.engine.use.digit_recognizer import DigitRecognizer
    from tests.engine.drawn_digits import accuracy_per_digit, drawn_digits

    recognizer = DigitRecognizer.from_file(model_file)
    validation = load_dataset("mnist-5k").validation
    fitted = fit_images_numpy(
        validation.images, plan_fit(validation.images.shape[1:], recognizer.input_shape)
    )
    predicted = np.argmax(np.asarray(recognizer.model(fitted, training=False)), axis=-1)
    val_accuracy = float(np.mean(predicted == validation.labels))
    digits = list(drawn_digits())
    counts = accuracy_per_digit(recognizer, digits)
    right = sum(r for r, _ in counts.values())
    return {
        "val_accuracy": round(val_accuracy, 4),
        "validation_images": len(validation.labels),
        "drawn_accuracy": round(right / len(digits), 4),
        "drawn_images": len(digits),
        "drawn_per_digit": {str(label): f"{r}/{t}" for label, (r, t) in counts.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="measure the shipped model only")
    parser.add_argument("--record", action="store_true", help="rewrite metadata.json only")
    args = parser.parse_args()
    target = PRETRAINED / "lenet5_mnist.keras"
    if args.check:
        print(json.dumps(measure(target), indent=2))
        return 0
    if not args.record:
        with tempfile.TemporaryDirectory(prefix="cnnstudio-pretrain-") as home:
            PRETRAINED.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(train(Path(home)), target)
    import keras

    metadata = {
        "model_file": target.name,
        "model": "lenet5",
        "class_names": [str(digit) for digit in range(10)],
        "dataset": {"name": "mnist-5k", "image_shape": [28, 28, 1]},
        "preprocessing": {"source_image_shape": [28, 28, 1]},
        "command": "cnnstudio " + " ".join(TRAIN_ARGS),
        "trained": datetime.date.fromtimestamp(target.stat().st_mtime).isoformat(),
        "keras_version": keras.__version__,
        **measure(target),
    }
    (PRETRAINED / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    print(json.dumps(metadata, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
