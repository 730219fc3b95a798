"""`cnnstudio evaluate` and `cnnstudio explain` on a run holding the bundled LeNet-5."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnstudio import cli
from tests.engine.insight.lenet_run import make_lenet_run


@pytest.fixture
def lenet_run():
    return make_lenet_run()


def test_evaluate_prints_the_figures_and_writes_every_prediction(lenet_run, tmp_path, capsys):
    target = tmp_path / "eval.json"
    assert cli.main(["evaluate", lenet_run.id, "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Accuracy" in out and "Suspect labels" in out
    figures = json.loads(target.read_text())
    assert figures["count"] == 1000 and len(figures["predictions"]) == 1000
    cells = np.zeros((10, 10), int)
    for row in figures["predictions"]:
        cells[row["true"], row["predicted"]] += 1
    assert figures["confusion"] == cells.tolist()
    assert cli.main(["evaluate", str(lenet_run.path)]) == 0
    assert "cached" in capsys.readouterr().out


def test_evaluate_a_folder_lists_each_prediction_by_its_file(lenet_run, tmp_path, capsys):
    from cnnstudio.engine.data.datasets import load_dataset

    split = load_dataset("mnist-5k").validation
    folder = tmp_path / "digits"
    for digit in range(10):
        (folder / str(digit)).mkdir(parents=True)
        for row in np.flatnonzero(split.labels == digit)[:2]:
            Image.fromarray(split.images[row, ..., 0]).save(folder / str(digit) / f"{row}.png")
    (folder / "3" / "broken.png").write_bytes(b"not a png")
    target = tmp_path / "eval.json"
    assert cli.main(["evaluate", lenet_run.id, "--data", str(folder), "--json", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Skipped 1 unreadable file(s)" in out and "broken.png" in out
    figures = json.loads(target.read_text())
    items = [row["item"] for row in figures["predictions"]]
    assert len(items) == 20 and all(Path(item).parent.parent == folder for item in items)
    assert sorted(items) == sorted(str(path) for path in folder.glob("*/[0-9]*.png"))
    hardest = figures["predictions"][figures["hardest"][0]]["item"]
    assert f"  {hardest}: true" in out  # the hardest examples are shown by their paths


def test_explain_writes_a_map_and_an_overlay_per_image(lenet_run, tmp_path, capsys):
    from cnnstudio.engine.data.datasets import load_dataset

    digit = load_dataset("mnist-5k").validation.images[0, ..., 0]
    image = tmp_path / "digit.png"
    Image.fromarray(digit).save(image)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    out = tmp_path / "maps"
    code = cli.main(
        ["explain", lenet_run.id, str(image), str(broken), "--out", str(out), "--sanity"]
    )
    assert code == 1  # one image could not be read; the other was explained
    printed = capsys.readouterr().out
    assert "rank correlation" in printed and "broken.png: skipped" in printed
    heat = np.load(out / "digit.npy")
    # At the model's input size: LeNet-5 takes 32 x 32 (MNIST's 28 x 28 padded, as in the paper).
    assert heat.shape == (32, 32) and heat.dtype == np.float32 and heat.min() >= 0
    assert np.load(out / "digit.randomized.npy").shape == (32, 32)
    with Image.open(out / "digit.png") as overlay:
        assert overlay.size == (32, 32)
    for method in ("saliency", "occlusion", "gradcam++"):
        assert (
            cli.main(
                [
                    "explain",
                    lenet_run.id,
                    str(image),
                    "--out",
                    str(out),
                    "--method",
                    method,
                    "--class",
                    "3",
                ]
            )
            == 0
        )
    assert cli.main(["explain", lenet_run.id, str(image), "--out", str(out), "--class", "10"]) == 2


def test_explain_writes_one_map_per_stage(lenet_run, tmp_path):
    from cnnstudio.engine.data.datasets import load_dataset

    Image.fromarray(load_dataset("mnist-5k").validation.images[3, ..., 0]).save(tmp_path / "d.png")
    out = tmp_path / "maps"
    assert (
        cli.main(["explain", lenet_run.id, str(tmp_path / "d.png"), "--out", str(out), "--stages"])
        == 0
    )
    stages = sorted(p.name for p in out.glob("d.stage-*.npy"))
    # LeNet-5's resolutions: 28 (C1), 14 (S2), 10 (C3), 5 (S4).
    assert stages == [
        f"d.stage-{layer}.npy" for layer in sorted(["c1_tanh", "s2_pool", "c3_tanh", "s4_pool"])
    ]
    for name in stages:
        heat = np.load(out / name)
        assert heat.shape == (32, 32) and heat.dtype == np.float32 and heat.min() >= 0
        assert (out / name.replace(".npy", ".png")).is_file()


def test_pareto_lists_the_runs_of_a_data_set_with_the_front_marked(tmp_path, capsys):
    from cnnstudio.engine.store.runs import RunStore

    store = RunStore()
    for accuracy, params, seconds in (
        (0.97, 60_000, 30.0),
        (0.95, 90_000, 20.0),
        (0.99, 500_000, 90.0),
    ):
        run = store.create("lenet5", "mnist-5k")
        run.write_record(
            {
                "schema_version": 2,
                "status": "finished",
                "model": {
                    "name": "lenet5",
                    "input_shape": [32, 32, 1],
                    "num_classes": 10,
                    "params": params,
                },
                "config": {"model": "lenet5", "dataset": "mnist-5k"},
                "best": {"val_accuracy": accuracy, "epoch": 1},
                "elapsed_seconds": seconds,
            }
        )
    target = tmp_path / "points.json"
    assert cli.main(["pareto", "--by", "params", "--json", str(target)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "lenet5" in line]
    # Sorted by parameters; the 90 k run is beaten by the 60 k one on both axes.
    assert [line[0] for line in lines] == ["*", " ", "*"]
    points = json.loads(target.read_text())["points"]
    assert [p["params"] for p in points] == [60_000, 90_000, 500_000]
    assert [p["pareto"]["seconds"] for p in points] == [True, True, True]
    assert cli.main(["pareto", "--data", "cifar10"]) == 2
