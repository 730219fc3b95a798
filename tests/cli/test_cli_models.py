"""`cnnstudio models` and `cnnstudio summary`, run in-process (plus one real subprocess)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from cnnstudio import __version__
from cnnstudio.cli import build_parser, main
from cnnstudio.engine.anatomy import catalog
from cnnstudio.engine.formatting import format_int
from cnnstudio.models import list_models
from tests.reference_figures import REFERENCES

REFERENCE_TOTALS = {
    ref.model: ref.total
    for ref in REFERENCES
    if ref.total is not None and ref.params_rtol == 0 and not ref.options
}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `cnnstudio ARGV` (argparse errors exit via SystemExit)."""
    try:
        status = main(list(argv))
    except SystemExit as exit_:
        status = exit_.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_terminal_friendly(text: str, width: int = 100) -> None:
    for line in text.splitlines():
        assert len(line) <= width, line
        assert line.isascii() and (line.isprintable() or line == ""), repr(line)


def test_models_lists_every_model_with_its_exact_parameter_count(capsys):
    status, out, err = run(capsys, "models")
    assert status == 0
    assert "computing" not in err, "the shipped catalog covers every model"
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for info in list_models():
        row = rows[info.name]
        assert info.display_name in row and info.family in row and str(info.year) in row
        assert "x".join(map(str, info.canonical_input)) in row
    for name, total in REFERENCE_TOTALS.items():
        assert format_int(total) in rows[name], name
    assert "15.5 G" in rows["vgg16"] and "138 M" in rows["vgg16"]
    assert_terminal_friendly(out)


def test_models_json_and_family_filter(capsys):
    status, out, _ = run(capsys, "models", "--family", "resnet", "--json")
    assert status == 0
    data = json.loads(out)
    assert [row["name"] for row in data] == [i.name for i in list_models("ResNet")]
    resnet50 = next(row for row in data if row["name"] == "resnet50")
    assert resnet50["params"] == 25_636_712
    assert resnet50["flops"] == 2 * resnet50["macs"]


def test_models_computes_what_the_catalog_lacks_and_says_so(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "CATALOG_PATH", tmp_path / "missing.json")
    status, out, err = run(capsys, "models", "--family", "LeNet")
    assert status == 0
    assert "computing lenet5" in err
    assert "61,706" in out


def test_summary_of_lenet5_shows_formulas_and_totals(capsys):
    status, out, err = run(capsys, "summary", "lenet5")
    assert status == 0, err
    assert "5*5*1*6 + 6 = 156" in out
    assert "120*84 + 84 = 10,164" in out
    assert "Parameters: 61,706" in out
    assert "MACs per image: 416,520" in out
    assert "[c1]" in out, "block headers"
    assert_terminal_friendly(out)


def test_summary_takes_input_classes_and_options(capsys):
    status, out, err = run(
        capsys,
        "summary",
        "LeNet5",
        "--input",
        "64x64x3",
        "--classes",
        "2",
        "--option",
        "activation=relu",
        "--option",
        "pooling=max",
    )
    assert status == 0, err
    assert "input 64x64x3, output 2" in out
    assert "activation=relu" in out and "c1_relu" in out and "MaxPool2D" in out
    assert "84*2 + 2 = 170" in out


def test_summary_of_a_deep_model_fits_a_terminal(capsys):
    status, out, _ = run(capsys, "summary", "resnet18", "--input", "32x32x3", "--classes", "10")
    assert status == 0
    assert "[conv2_block1]" in out and "BatchNorm" in out
    assert_terminal_friendly(out)


def test_summary_json(capsys):
    status, out, _ = run(capsys, "summary", "lenet5", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["totals"]["params"] == 61_706
    assert data["layers"][1]["formula"] == "5*5*1*6 + 6 = 156"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "lenet6"], "unknown model 'lenet6'"),
        (["summary", "lenet5", "--option", "colour=red"], "no option 'colour'"),
        (["summary", "lenet5", "--option", "activation=swish"], "must be one of"),
        (["summary", "lenet5", "--option", "activation"], "key=value"),
        (["summary", "lenet5", "--input", "32by32"], "input shape must look like"),
        (["summary", "vgg16", "--input", "8x8x3"], "at least"),
        (["summary", "lenet5", "--classes", "1"], "received 1"),
        (["summary", "lenet5", "--classes", "ten"], "invalid int value"),
        (["models", "--family", "transformers"], "no family 'transformers'"),
        (["summary"], "required"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value),
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cnnstudio") and message in lines[0]


def _commands() -> list[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(actions[0].choices) if actions else []


@pytest.mark.parametrize("command", [[], *([c] for c in _commands())], ids=lambda c: c or "top")
def test_help_works_on_every_command(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: cnnstudio" in capsys.readouterr().out


def test_models_and_summary_are_commands():
    assert {"models", "summary"} <= set(_commands())


def test_version_in_a_real_process():
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"cnnstudio {__version__}"


def test_summary_prints_the_model_card_from_the_family(capsys):
    status, out, err = run(capsys, "summary", "vgg16", "--input", "32x32x3", "--classes", "10")
    assert status == 0, err
    card = out[out.index("MACs per image:") :]
    assert "Depth from uniform stacks of small 3x3 convolutions." in card
    assert "What it introduced:" in card and "Why it mattered:" in card
    assert "2*(3*3*C*C) = 18 C^2" in card  # the worked example, checkable by hand
    assert_terminal_friendly(out)
    status, out, _ = run(capsys, "summary", "lenet5", "--no-card")
    assert status == 0 and "What it introduced:" not in out
