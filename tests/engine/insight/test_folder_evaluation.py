"""An image folder evaluated as a stream: each image named by its path, unreadable files skipped
and counted, the cache keyed by the files themselves, at most two batches read ahead."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from cnnstudio.engine.insight.evaluation import CACHE_FILE


def _digit_folder(root: Path, per_class: int = 2) -> list[Path]:
    """`per_class` validation digits of mnist-5k per class folder, as PNG files; their paths."""
    from cnnstudio.engine.data.datasets import load_dataset

    split = load_dataset("mnist-5k").validation
    written = []
    for digit in range(10):
        (root / str(digit)).mkdir(parents=True)
        for row in np.flatnonzero(split.labels == digit)[:per_class]:
            path = root / str(digit) / f"{row}.png"
            Image.fromarray(split.images[row, ..., 0]).save(path)
            written.append(path)
    return written


def _truncated_png(path: Path) -> None:
    """A PNG whose header reads well (the scan keeps it) and whose pixels stop half-way."""
    noise = np.random.default_rng(0).integers(0, 255, (28, 28), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_folder_is_streamed_with_paths_and_its_unreadable_files_counted(lenet_run, tmp_path):
    from cnnstudio.engine.insight.run_evaluation import evaluate_run
    from cnnstudio.engine.use.inference import Predictor

    root = tmp_path / "digits"
    written = _digit_folder(root, per_class=3)
    (root / "4" / "broken.png").write_bytes(b"not a png")  # refused by the scan (header)
    _truncated_png(root / "7" / "cut.png")  # refused while decoding
    done = []
    # Batches of 7 over 31 files: several batches, one of them with a file that fails.
    outcome = evaluate_run(
        lenet_run, data=str(root), batch_size=7, progress=lambda *seen: done.append(seen)
    )
    figures = json.loads(json.dumps(outcome.figures))
    predictions = figures["predictions"]
    in_folder_order = sorted(written, key=lambda path: (path.parent.name, path.name))
    assert [row["item"] for row in predictions] == [str(path) for path in in_folder_order]
    # Progress counts the files the scan kept, read or skipped: 31, of which 30 evaluated.
    assert done[0] == (0, 31) and done[-1] == (31, 31) and figures["count"] == 30
    assert figures["data"]["skipped"] == 2 and figures["data"]["split"] == "all"
    skipped = {Path(path).name: reason for path, reason in outcome.skipped}
    assert set(skipped) == {"broken.png", "cut.png"} and "truncated" in skipped["cut.png"]
    cells = np.zeros((10, 10), int)
    for row in predictions:
        assert row["true"] == int(Path(row["item"]).parent.name)  # the label is the folder's
        cells[row["true"], row["predicted"]] += 1
    assert figures["confusion"] == cells.tolist()
    # Each prediction is the one `predict` gives for the file named beside it.
    predictor = Predictor.from_run(lenet_run)
    images = np.stack([predictor.load_image(row["item"]) for row in predictions])
    expected = predictor.probabilities(images)
    assert [row["predicted"] for row in predictions] == expected.argmax(axis=1).tolist()
    np.testing.assert_allclose(
        [row["confidence"] for row in predictions], expected.max(axis=1), rtol=1e-4
    )
    assert figures["accuracy"] >= 0.8
    hardest = predictions[figures["hardest"][0]]["item"]
    assert Path(hardest).is_file()


def test_the_cache_holds_until_a_file_of_the_folder_changes(lenet_run, tmp_path):
    from cnnstudio.engine.insight.run_evaluation import evaluate_run

    root = tmp_path / "digits"
    written = _digit_folder(root)
    first = evaluate_run(lenet_run, data=str(root))
    assert not first.cached and (lenet_run.path / CACHE_FILE).is_file()
    again = evaluate_run(lenet_run, data=f"folder:{root}")
    assert again.cached and again.figures == json.loads(json.dumps(first.figures))
    # Another digit saved over one file, with a later time (as a real edit has): recomputed.
    path = written[5]
    Image.fromarray(np.flipud(np.asarray(Image.open(written[0])))).save(path)
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))
    changed = evaluate_run(lenet_run, data=str(root))
    assert not changed.cached
    assert evaluate_run(lenet_run, data=str(root)).cached
    # A file more is a new key as well.
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(root / "0" / "blank.png")
    grown = evaluate_run(lenet_run, data=str(root))
    assert not grown.cached and grown.figures["count"] == 21


def test_a_folder_with_no_decodable_image_is_refused_with_a_code(lenet_run, tmp_path):
    from cnnstudio.engine.insight.run_evaluation import EvaluationDataError, evaluate_run

    for digit in range(10):
        (tmp_path / str(digit)).mkdir()
        _truncated_png(tmp_path / str(digit) / "cut.png")
    with pytest.raises(EvaluationDataError) as refused:
        evaluate_run(lenet_run, data=str(tmp_path))
    assert refused.value.code == "no_images"
    assert not (lenet_run.path / CACHE_FILE).exists()


def test_a_run_trained_on_a_folder_names_its_validation_images_by_path(tmp_path):
    import keras

    from cnnstudio.engine.data.datasets import load_dataset
    from cnnstudio.engine.insight.run_evaluation import evaluate_run
    from cnnstudio.engine.store.runs import RunStore

    root = tmp_path / "shapes"
    for label, name in enumerate(("dark", "light")):
        (root / name).mkdir(parents=True)
        for index in range(6):
            Image.new("L", (8, 8), 30 + 180 * label + index).save(root / name / f"{index}.png")
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(inputs))
    run = RunStore().create("tiny", f"folder:{root}")
    keras.Model(inputs, outputs).save(run.model_file)
    config = {"dataset": f"folder:{root}", "validation_fraction": 0.5, "seed": 4}
    run.write_record(
        {
            "schema_version": 2,
            "model": {"name": "tiny"},
            "status": "finished",
            "config": config,
            "dataset": {
                "name": f"folder:{root}",
                "class_names": ["dark", "light"],
                "image_shape": [8, 8, 1],
            },
        }
    )
    figures = evaluate_run(run).figures
    # The split training held back (same fraction and seed), each image by its file.
    expected = load_dataset(config["dataset"], validation_fraction=0.5, seed=4).validation
    assert [row["item"] for row in figures["predictions"]] == expected.paths
    assert figures["data"]["split"] == "validation" and figures["count"] == 6


class _CountingPredictor:
    """Reads nothing from disk: counts the files asked for, gives 2 x 2 grey pixels."""

    def __init__(self) -> None:
        self.reads = 0
        self._lock = threading.Lock()

    def read_pixels(self, path):
        with self._lock:
            self.reads += 1
        return np.zeros((2, 2, 1), np.uint8)


def test_reading_runs_at_most_one_batch_ahead():
    """Flat memory by construction: after the caller took k batches, no more than k + 1
    batches of files were ever asked for, however many the folder holds."""
    from cnnstudio.engine.insight.run_evaluation import _folder_batches

    entries = [SimpleNamespace(path=Path(f"/x/{i}.png"), label=i % 3) for i in range(100)]
    predictor = _CountingPredictor()
    batches = _folder_batches(predictor, entries, 8, [])
    taken = 0
    for images, labels, paths in batches:
        taken += 1
        assert predictor.reads <= (taken + 1) * 8
        assert len(images) == len(labels) == len(paths) <= 8
    assert taken == 13 and predictor.reads == 100


def test_a_stream_stopped_early_reads_no_further_and_leaves_no_thread():
    from cnnstudio.engine.insight.run_evaluation import _folder_batches

    entries = [SimpleNamespace(path=Path(f"/x/{i}.png"), label=0) for i in range(100)]
    predictor = _CountingPredictor()
    batches = _folder_batches(predictor, entries, 8, [])
    next(batches)
    batches.close()  # what an error or a cancelled evaluation does to the generator
    assert predictor.reads <= 16
    assert not [t for t in threading.enumerate() if t.name.startswith("cnnstudio-evaluate")]
