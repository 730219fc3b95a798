"""`cnnstudio --model NAME --expand BLOCK ...`: the screenshot path picks a model and what the
graph view opens."""

from __future__ import annotations

import pytest

from cnnstudio.cli import build_parser
from cnnstudio.gui.app import _select_model
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    window = MainWindow(StudioContext(), use_settings=False)
    qtbot.addWidget(window)
    yield window
    window.close()


def test_the_parser_takes_a_model_and_blocks():
    args = build_parser().parse_args(
        ["--view", "graph", "--model", "resnet50", "--expand", "a", "b"]
    )
    assert (args.view, args.model, args.expand) == ("graph", "resnet50", ["a", "b"])


def test_a_model_and_blocks_reach_the_graph_view(window):
    assert _select_model(window, "resnet50", ["conv2_block1"])
    assert window.context.selection.model == "resnet50"
    request = window.view("graph").current_request()
    assert request.model == "resnet50" and request.expanded is None
    assert request.also_expand == frozenset({"conv2_block1"})
    assert _select_model(window, None, ["none"])
    assert window.view("graph").current_request().expanded == frozenset()


def test_an_unknown_model_is_one_line(window, capsys):
    assert not _select_model(window, "no_such_model", None)
    err = capsys.readouterr().err
    assert "no model 'no_such_model'" in err and len(err.strip().splitlines()) == 1
    assert window.context.selection.model == "lenet5"
