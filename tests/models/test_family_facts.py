"""What a family knows about itself lives with it, as data: its card (marked for the catalog)
and how it names its blocks, carried by the metadata to the shipped catalog."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.model_metadata import BlockPattern, ModelCard, ModelMeta
from cnnstudio.models import list_models

MODELS = {info.name: info for info in list_models()}


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_has_its_card_and_the_catalog_ships_it(name):
    info = MODELS[name]
    assert isinstance(info.card, ModelCard) and info.card.headline and info.card.introduced
    shipped = load_model_metadata()[name]
    assert shipped.card == info.card and shipped.blocks == info.blocks


def test_cards_and_blocks_survive_the_json_round_trip():
    for info in MODELS.values():
        meta = info.metadata()
        assert ModelMeta.from_dict(meta.to_dict()) == meta


@pytest.mark.parametrize("name", [name for name, info in MODELS.items() if info.blocks])
def test_declared_block_patterns_match_their_examples_and_the_models_layers(name):
    from cnnstudio.engine.anatomy.graph_source import zoo_stats

    layer_names = [layer.name for layer in zoo_stats(name).layers]
    for block in MODELS[name].blocks:
        pattern = re.compile(block.pattern)
        assert pattern.match(block.example), (name, block)
        assert any(pattern.match(layer) for layer in layer_names), (name, block.pattern)


def test_the_graph_reads_roles_from_the_family_and_falls_back_to_structure():
    from cnnstudio.engine.anatomy.graph_model import block_role, family_blocks
    from cnnstudio.engine.anatomy.layer_stats import LayerStats

    def layer(name, block, type_="Conv2D"):
        return LayerStats(name, type_, block, (), (), (), 0, 0, "", 0, None)

    unit = [layer("conv3_block1_1_conv", "conv3_block1"), layer("conv3_block1_add", "conv3_block1")]
    assert block_role("conv3_block1", unit, family_blocks("densenet121")) == "dense layer"
    assert block_role("conv3", unit, family_blocks("densenet121")) == "dense block"
    assert block_role("conv3", unit, family_blocks("resnet50")) == "stage"
    # No family (a .keras file): the layer types decide, as before.
    assert block_role("conv3_block1", unit) == "block"
    added = [*unit[:1], layer("conv3_block1_add", "conv3_block1", "Add")]
    assert block_role("conv3_block1", added, family_blocks("nothing-known")) == "residual block"
    custom = (BlockPattern(r"^(stem)(?:_|$)", "stem"),)
    assert block_role("stem", [layer("stem_conv", "stem")], custom) == "stem"


FAMILY_FILES = sorted({inspect.getmodule(info.builder).__file__ for info in MODELS.values()})


@pytest.mark.parametrize("path", FAMILY_FILES)
def test_card_and_role_texts_are_marked_for_translation(path):
    """Every text of a ModelCard(...) or BlockPattern(...) role is an N_("...") call, so the
    catalog's extraction finds it."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    marked = 0
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") in _FIELDS):
            continue
        values = [node.args[1]] if len(node.args) > 1 else []
        values += [kw.value for kw in node.keywords if kw.arg in _FIELDS[node.func.id]]
        for value in values:
            items = value.elts if isinstance(value, ast.Tuple) else [value]
            for item in items:
                assert isinstance(item, ast.Call) and item.func.id == "N_", ast.unparse(item)
                marked += 1
    assert marked, f"{path} declares no card"


_FIELDS = {
    "ModelCard": {"headline", "introduced", "why_it_mattered", "worked_example"},
    "BlockPattern": {"role", "holder_role"},
}
