"""Two models side by side, per stage: the classic VGG-16 against ResNet-18 lesson."""

from __future__ import annotations

import pytest

from cnnstudio.engine.anatomy.graph_compare import CLASSIFIER, compare, stage_table
from tests.engine.graph_zoo import canonical_stats

pytestmark = pytest.mark.xdist_group("graph")


def test_vgg16_against_resnet18_at_224():
    vgg, resnet = canonical_stats("vgg16"), canonical_stats("resnet18")
    result = compare(vgg, resnet)
    # 138 M against 11.7 M parameters, 15.5 G against 1.8 G MACs (224x224x3, 1000 classes).
    assert result.a_params == 138_357_544
    assert result.b_params == pytest.approx(11.7e6, rel=0.01)
    assert result.a_macs == pytest.approx(15.5e9, rel=0.01)
    assert result.b_macs == pytest.approx(1.8e9, rel=0.02)
    assert result.params_ratio == pytest.approx(result.a_params / result.b_params)
    assert result.macs_ratio == pytest.approx(8.5, rel=0.02)
    stages = [row.stage for row in result.rows]
    assert stages == ["224x224", "112x112", "56x56", "28x28", "14x14", "7x7", CLASSIFIER]
    # Per-stage figures add up to the totals on both sides.
    for side, total_params, total_macs in (
        ("a", result.a_params, result.a_macs),
        ("b", result.b_params, result.b_macs),
    ):
        rows = [getattr(row, side) for row in result.rows if getattr(row, side) is not None]
        assert sum(r.params for r in rows) == total_params
        assert sum(r.macs for r in rows) == total_macs
    # Where VGG's cost is: the 102 M-parameter first dense layer, the 224x224 convolutions.
    classifier = result.rows[-1]
    assert classifier.a.params > 120e6 > classifier.b.params
    assert result.rows[0].a.macs > 1.9e9 and result.rows[0].b.macs == 0


def test_padding_joins_the_stage_of_the_layer_it_prepares():
    rows = stage_table(canonical_stats("resnet18"))
    assert [row.name for row in rows] == [
        "224x224",
        "112x112",
        "56x56",
        "28x28",
        "14x14",
        "7x7",
        CLASSIFIER,
    ]
    assert rows[1].blocks == ("conv1",)
    assert rows[1].output_shape == (None, 112, 112, 64)


def test_lenet5_stages():
    rows = stage_table(canonical_stats("lenet5"))
    assert [(row.name, row.params) for row in rows] == [
        ("32x32", 0),
        ("28x28", 156),
        ("14x14", 0),
        ("10x10", 2_416),
        ("5x5", 0),
        ("1x1", 48_120),
        (CLASSIFIER, 10_164 + 850),
    ]


def test_a_model_against_itself_has_ratios_of_one():
    stats = canonical_stats("lenet5")
    result = compare(stats, stats)
    assert result.params_ratio == result.macs_ratio == 1.0
    assert all(row.a == row.b for row in result.rows)
