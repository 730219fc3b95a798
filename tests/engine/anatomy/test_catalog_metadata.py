"""The catalog's model metadata: equal to the registry's, and readable without Keras."""

from __future__ import annotations

import subprocess
import sys

from cnnstudio.engine.anatomy.catalog import (
    REGENERATE_COMMAND,
    ModelMeta,
    load_catalog,
    load_model_metadata,
    registry_metadata,
)


def test_shipped_metadata_equals_the_registry_in_order():
    shipped = load_model_metadata()
    fresh = registry_metadata()
    assert list(shipped) == [meta.name for meta in fresh], f"run {REGENERATE_COMMAND}"
    for meta in fresh:
        assert shipped[meta.name] == meta, f"{meta.name} is stale; run {REGENERATE_COMMAND}"
    assert set(shipped) == set(load_catalog()), "figures and metadata cover the same models"


def test_metadata_round_trips_through_json():
    for meta in load_model_metadata().values():
        assert ModelMeta.from_dict(meta.to_dict()) == meta


def test_option_tables_keep_types_choices_and_bounds():
    lenet = load_model_metadata()["lenet5"]
    options = {option.name: option for option in lenet.options}
    assert options["activation"].choices == ("relu", "tanh", "sigmoid")
    assert options["activation"].default == "tanh"
    assert (options["dropout"].kind, options["dropout"].maximum_exclusive) == ("float", True)
    resnext = {o.name: o for o in load_model_metadata()["resnext50_32x4d"].options}
    assert (resnext["cardinality"].kind, resnext["cardinality"].default) == ("int", 32)


def test_reading_metadata_imports_neither_keras_nor_tensorflow():
    code = (
        "import sys\n"
        "from cnnstudio.engine.anatomy.catalog import load_model_metadata, load_catalog\n"
        "assert len(load_model_metadata()) == len(load_catalog()) > 0\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'cnnstudio.models') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
