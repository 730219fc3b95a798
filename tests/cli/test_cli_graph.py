"""`cnnstudio graph`: the layer graph as SVG or PNG without a display."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from cnnstudio.cli import main
from cnnstudio.models import list_models


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def svg_texts(path) -> list[str]:
    return [(e.text or "").strip() for e in ET.parse(path).iter() if e.tag.endswith("text")]


def test_lenet5_renders_as_svg_in_a_process_without_a_display(tmp_path):
    out = tmp_path / "lenet.svg"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # the command chooses offscreen itself
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "graph", "lenet5", "--input", "32x32x1",
         "--classes", "10", "--option", "pooling=max", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrote" in result.stdout and "13 nodes" in result.stdout
    texts = svg_texts(out)
    for label in ("input", "c1_conv", "s2_pool", "c5_conv", "f6_dense", "predictions"):
        assert texts.count(label) == 1, label
    assert "MaxPooling2D" in texts and "156 params, 118 k MACs" in texts


def test_in_chinese_the_svg_names_a_font_with_chinese_glyphs(tmp_path):
    """A viewer draws an SVG's text with the family it names: in Chinese that must be one with
    the Chinese glyphs (issue 24), the system's or the shipped subset's."""
    out = tmp_path / "lenet.svg"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(CNNSTUDIO_LANG="zh_CN", QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "graph", "lenet5", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "已写入" in result.stdout
    texts = svg_texts(out)
    assert "无参数" in texts  # Qt writes one <text> per run of one script
    from cnnstudio.gui.ground.fonts import PREFERRED_CJK

    chinese = [
        e for e in ET.parse(out).iter()
        if e.tag.endswith("text") and any(ord(c) >= 0x3000 for c in e.text or "")
    ]  # fmt: skip
    assert chinese and {e.get("font-family") for e in chinese} <= set(PREFERRED_CJK)


def test_a_deep_model_renders_collapsed_as_png(capsys, tmp_path):
    from PySide6.QtGui import QImage

    out = tmp_path / "densenet.png"
    status, stdout, err = run(capsys, "graph", "densenet121", "--expand", "none", "--out", str(out))
    assert status == 0, err
    image = QImage(str(out))
    assert not image.isNull() and image.width() > 200 and image.height() > 400
    assert "nodes for 4" in stdout  # DenseNet-121's 4xx layers in a handful of nodes


def test_expanding_one_block_shows_its_layers(capsys, tmp_path):
    out = tmp_path / "googlenet.svg"
    status, _, err = run(
        capsys, "graph", "inception_v1", "--expand", "inception_3a", "--out", str(out)
    )
    assert status == 0, err
    texts = svg_texts(out)
    assert "inception_3a_5x5_conv" in texts
    assert texts.count("inception_3a") == 1  # now the name over its layers' frame
    assert "Inception module, 14 layers" in texts  # inception_3b and the others stay closed
    assert "inception_3b" in texts and "inception_3b_5x5_conv" not in texts


def test_expanding_a_residual_block_opens_it_inside_its_stage(capsys, tmp_path):
    out = tmp_path / "resnet.svg"
    status, _, err = run(
        capsys, "graph", "resnet50", "--input", "32x32x3", "--expand", "conv3_block1",
        "--out", str(out),
    )  # fmt: skip
    assert status == 0, err
    texts = svg_texts(out)
    assert "conv3_block1_add" in texts and "conv3_block1_0_conv" in texts  # the shortcut
    assert "conv3_block2" in texts and "conv3_block2_add" not in texts
    assert "conv2_block1" in texts and "conv4_block1" in texts  # the default's other stages


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "lenet5", "--out", "x.jpg"], "must end in .svg or .png"),
        (["graph", "--out", "x.svg"], "give a model NAME"),
        (["graph", "no_such_model", "--out", "x.svg"], "unknown model"),
        (["graph", "lenet5", "--option", "pooling=nope", "--out", "x.svg"], "pooling"),
        (["graph", "inception_v1", "--expand", "nope", "--out", "x.svg"], "no block nope"),
        (["graph", "lenet5", "--expand", "all", "none", "--out", "x.svg"], "not a mix"),
        (["graph", "--model", "missing.keras", "--out", "x.svg"], "missing.keras"),
    ],
)
def test_bad_input_is_one_line_with_status_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir())  # nothing half written


@pytest.mark.parametrize("name", [info.name for info in list_models()])
def test_every_model_of_the_zoo_renders_with_every_label(capsys, tmp_path, name):
    """At its canonical input the statistics are shipped, so this costs the drawing only."""
    from cnnstudio.engine.anatomy.graph_model import build_graph, default_expanded
    from cnnstudio.engine.anatomy.graph_source import zoo_stats
    from cnnstudio.models import get_model_info

    out = tmp_path / f"{name}.svg"
    status, stdout, err = run(capsys, "graph", name, "--out", str(out))
    assert status == 0, err
    info = get_model_info(name)
    stats = zoo_stats(name, info.canonical_input, info.default_classes)
    graph = build_graph(stats, default_expanded(stats))
    assert f"{len(graph.nodes)} nodes for {len(stats.layers)} layers" in stdout
    texts = set(svg_texts(out))
    assert {node.label for node in graph.nodes} <= texts


def test_a_trained_model_file_renders(capsys, tmp_path):
    from cnnstudio.engine.use.digit_recognizer import bundled_model_path

    out = tmp_path / "trained.svg"
    status, stdout, err = run(
        capsys, "graph", "--model", str(bundled_model_path()), "--out", str(out)
    )
    assert status == 0, err
    assert "13 nodes for 13 layers" in stdout  # LeNet-5 itself, not its standardising wrapper
    texts = svg_texts(out)
    assert "c1_conv" in texts and any(t.startswith("lenet5_mnist.keras") for t in texts)
