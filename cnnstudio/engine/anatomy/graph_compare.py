"""Two models side by side: parameters and MACs per stage, totals and ratios.

A stage is the run of layers working at one spatial resolution (224x224, 112x112, ..., then the
classifier, whose outputs have no spatial axes). Stages defined by resolution line up across any
two architectures at the same input, which is what the classic lesson needs: VGG-16 spends
15.5 G MACs and 138 M parameters where ResNet-18 spends 1.8 G and 11.7 M at 224x224x3, and the
table shows where (VGG's 224x224 convolutions, its 102 M-parameter first dense layer).
Reads `ModelStats` only; no Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnnstudio.engine.anatomy.graph_model import block_chain

if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.layer_stats import LayerStats, ModelStats

Shape = tuple[int | None, ...]
CLASSIFIER = "classifier"
_PREPARING = ("ZeroPadding", "Cropping")


@dataclass(frozen=True)
class StageRow:
    name: str  # "56x56", or "classifier" for layers without spatial axes
    output_shape: Shape  # of the stage's last layer
    params: int
    macs: int
    layers: int = 0  # how many layers the stage holds
    blocks: tuple[str, ...] = ()  # top-level blocks (or layers) with a layer in the stage


@dataclass(frozen=True)
class CompareRow:
    stage: str
    a: StageRow | None  # None where a model has no layer at that resolution
    b: StageRow | None


@dataclass(frozen=True)
class Comparison:
    a_name: str
    b_name: str
    rows: tuple[CompareRow, ...]
    a_params: int
    b_params: int
    a_macs: int
    b_macs: int

    @property
    def params_ratio(self) -> float:
        """a's parameters over b's (inf when b has none)."""
        return _ratio(self.a_params, self.b_params)

    @property
    def macs_ratio(self) -> float:
        return _ratio(self.a_macs, self.b_macs)


def _ratio(a: int, b: int) -> float:
    if b == 0:
        return float("inf") if a else 1.0
    return a / b


def stage_of(layer: LayerStats) -> str:
    """The stage a layer belongs to: its output's spatial size, or the classifier."""
    shape = layer.output_shapes[0] if layer.output_shapes else ()
    spatial = shape[1:-1]
    if not spatial:
        return CLASSIFIER
    return "x".join("?" if n is None else str(n) for n in spatial)


def stage_table(stats: ModelStats) -> list[StageRow]:
    """The model's stages in order of first appearance, with their totals.

    The input layer opens the first stage; a layer that returns to an earlier resolution (rare)
    adds to that stage's totals. Padding and cropping belong to the stage of the layer they
    prepare (conv1_pad's 230x230 is part of conv1's 112x112 stage, not a stage of its own).
    """
    consumers: dict[str, str] = {}
    for source, target in stats.edges():
        consumers.setdefault(source, target)
    by_name = {layer.name: layer for layer in stats.layers}
    stages: dict[str, str] = {}
    for layer in reversed(stats.layers):
        consumer = consumers.get(layer.name)
        if layer.type.startswith(_PREPARING) and consumer in stages:
            stages[layer.name] = stages[consumer]
        else:
            stages[layer.name] = stage_of(layer)
    order: dict[str, list[LayerStats]] = {}
    for layer in stats.layers:
        order.setdefault(stages[layer.name], []).append(by_name[layer.name])
    rows = []
    for name, layers in order.items():
        blocks = dict.fromkeys((block_chain(layer.block) or (layer.name,))[0] for layer in layers)
        rows.append(
            StageRow(
                name=name,
                output_shape=layers[-1].output_shapes[0],
                params=sum(layer.params for layer in layers),
                macs=sum(layer.macs for layer in layers),
                layers=len(layers),
                blocks=tuple(blocks),
            )
        )
    return rows


def _sort_key(stage: str) -> tuple[int, int]:
    if stage == CLASSIFIER:
        return (1, 0)
    try:
        size = 1
        for n in stage.split("x"):
            size *= int(n)
    except ValueError:
        return (0, 0)
    return (0, -size)  # larger resolutions first


def compare(a: ModelStats, b: ModelStats) -> Comparison:
    """Stage by stage, aligned by resolution (largest first, the classifier last)."""
    rows_a = {row.name: row for row in stage_table(a)}
    rows_b = {row.name: row for row in stage_table(b)}
    names = sorted(dict.fromkeys([*rows_a, *rows_b]), key=_sort_key)
    return Comparison(
        a_name=a.name,
        b_name=b.name,
        rows=tuple(CompareRow(name, rows_a.get(name), rows_b.get(name)) for name in names),
        a_params=a.params,
        b_params=b.params,
        a_macs=a.macs,
        b_macs=b.macs,
    )
