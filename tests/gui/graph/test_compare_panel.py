"""The compare panel: the classic VGG-16 against ResNet-18 lesson, computed off the GUI thread,
and clear one-line messages for bad input."""

from __future__ import annotations

import pytest

from cnnstudio.gui.graph.compare_panel import ComparePanel
from cnnstudio.gui.ground.context import StudioContext

TIMEOUT_MS = 120_000  # the first computation imports TensorFlow


@pytest.fixture
def panel(qtbot):
    panel = ComparePanel(StudioContext())
    qtbot.addWidget(panel)
    yield panel
    panel.shutdown()
    assert not panel.busy()


def cell(panel, row, column):
    return panel.table.item(row, column).text()


def test_vgg16_against_resnet18_fills_the_table_with_totals_and_ratios(qtbot, panel):
    assert panel.model_a.currentData() == "vgg16"
    assert panel.model_b.currentData() == "resnet18"
    panel.compare()
    qtbot.waitUntil(lambda: panel.comparison is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=TIMEOUT_MS)
    table = panel.table
    stages = [cell(panel, row, 0) for row in range(table.rowCount())]
    assert stages == ["224x224", "112x112", "56x56", "28x28", "14x14", "7x7", "classifier", "Total"]
    total = table.rowCount() - 1
    assert [cell(panel, total, c) for c in range(1, 5)] == ["138 M", "15.5 G", "11.7 M", "1.81 G"]
    assert table.item(total, 1).toolTip() == "138,357,544"
    assert table.horizontalHeaderItem(1).text() == "VGG-16 params"
    assert "11.8×" in panel.summary.text() and "8.5×" in panel.summary.text()


def test_a_bad_input_says_why_and_starts_nothing(qtbot, panel):
    panel.input.setText("224 by 224")
    panel.compare()
    assert not panel.busy()
    assert panel.status.text() and "\n" not in panel.status.text()
    assert panel.comparison is None


def test_a_model_that_cannot_take_the_input_says_so(qtbot, panel):
    panel.input.setText("16x16x3")
    panel.compare()
    qtbot.waitUntil(lambda: "at least" in panel.status.text(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=TIMEOUT_MS)
    assert "VGG-16" in panel.status.text()
    assert panel.comparison is None


def test_the_classic_lesson_is_computed_when_first_shown(qtbot, panel):
    panel.show()
    qtbot.waitUntil(lambda: panel.comparison is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=TIMEOUT_MS)
    assert panel.comparison.a_params == 138_357_544
