"""Chinese folder and file names end to end (issue 24): an image folder whose classes and files
are named in Chinese trains, evaluates (by path), explains, predicts and exports from the
command line, the names kept exactly as written."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from cnnstudio import cli


def _folder(root):
    """猫: a bright square top-left; 狗: bottom-right. 12 images of each, 32x32 grey."""
    rng = np.random.default_rng(0)
    for name, corner in (("猫", 0), ("狗", 16)):
        (root / name).mkdir(parents=True)
        for index in range(12):
            pixels = rng.integers(0, 40, size=(32, 32), dtype=np.uint8)
            pixels[corner : corner + 14, corner : corner + 14] = 230
            Image.fromarray(pixels).save(root / name / f"图片{index}.png")
    return root


def test_chinese_names_train_evaluate_explain_predict_and_export(tmp_path, capsys):
    from cnnstudio.engine.store.runs import RunStore

    data = _folder(tmp_path / "中文数据")
    argv = ["train", "--data", str(data), "--epochs", "2", "--batch-size", "8"]
    assert cli.main([*argv, "--validation-fraction", "0.25"]) == 0
    (run,) = RunStore().list()
    assert run.record["dataset"]["class_names"] == ["狗", "猫"]  # sorted, as written

    report = tmp_path / "评估.json"
    assert cli.main(["evaluate", run.id, "--data", str(data), "--json", str(report)]) == 0
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["class_names"] == ["狗", "猫"] and figures["count"] == 24
    items = {row["item"] for row in figures["predictions"]}
    assert str(data / "猫" / "图片3.png") in items

    picture = data / "猫" / "图片0.png"
    out = tmp_path / "解释"
    assert cli.main(["explain", run.id, str(picture), "--out", str(out)]) == 0
    assert (out / "图片0.png").is_file() and np.load(out / "图片0.npy").shape == (32, 32)

    capsys.readouterr()
    assert cli.main(["predict", "--model", run.id, str(picture)]) == 0
    printed = capsys.readouterr().out
    assert "图片0.png" in printed and ("猫" in printed or "狗" in printed)

    export = tmp_path / "导出"
    assert cli.main(["export", run.id, "--format", "keras", "--out", str(export)]) == 0
    metadata = json.loads((export / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["class_names"] == ["狗", "猫"]
