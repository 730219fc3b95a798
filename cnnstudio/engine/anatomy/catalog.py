"""The zoo catalog: parameters and MACs of every registered model at its canonical input, and
the registry's metadata (names, family, year, description, option tables).

Building every model at its canonical input takes a minute or more, so the figures ship as a data
file, `zoo_catalog.json`, next to this module. `cnnstudio models` and the app's model picker read
it at once; a model missing from it (or whose canonical input or class count changed) is computed
on demand. `tests/engine/anatomy/test_layer_stats.py` recomputes every entry, so the file cannot go
stale unnoticed. The metadata is there because importing the registry imports Keras and
TensorFlow (seconds): the app's model picker lists the models and offers their options from
`load_model_metadata()` before the engine is up. It is generated from the registry, where each
fact is declared once (next to its builder), as `cnnstudio.model_metadata.ModelMeta`, the type
both share; `tests/engine/anatomy/test_catalog_metadata.py` checks that the file is current.
Regenerate
the file after changing a model:

    python packaging/make_zoo_catalog.py --write
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# ModelMeta and OptionMeta are declared once, there, for the registry and this catalog alike.
from cnnstudio.model_metadata import ModelMeta, OptionMeta  # noqa: F401 (OptionMeta re-exported)

CATALOG_PATH = Path(__file__).with_name("zoo_catalog.json")
REGENERATE_COMMAND = "python packaging/make_zoo_catalog.py --write"


@dataclass(frozen=True)
class CatalogEntry:
    """One model's figures at its canonical input, default classes and default options."""

    name: str
    input_shape: tuple[int, int, int]
    num_classes: int
    params: int
    trainable_params: int
    macs: int

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["input_shape"] = list(self.input_shape)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CatalogEntry:
        return cls(
            name=data["name"],
            input_shape=tuple(data["input_shape"]),  # type: ignore[arg-type]
            num_classes=int(data["num_classes"]),
            params=int(data["params"]),
            trainable_params=int(data["trainable_params"]),
            macs=int(data["macs"]),
        )


def load_model_metadata(path: Path | None = None) -> dict[str, ModelMeta]:
    """Every model's metadata by name, in registry order, from the shipped file (no Keras
    import); empty when the file is missing or unreadable."""
    path = CATALOG_PATH if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {meta["name"]: ModelMeta.from_dict(meta) for meta in data["metadata"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def registry_metadata() -> list[ModelMeta]:
    """Fresh metadata from the registry (imports the zoo, hence Keras)."""
    from cnnstudio.models import list_models

    return [info.metadata() for info in list_models()]


def load_catalog(path: Path | None = None) -> dict[str, CatalogEntry]:
    """The figures by model name (default: the shipped catalog); empty when the file is missing
    or unreadable."""
    path = CATALOG_PATH if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {entry["name"]: CatalogEntry.from_dict(entry) for entry in data["models"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def shipped_listing() -> list[tuple[ModelMeta, CatalogEntry]] | None:
    """Every model's metadata with its figures, from the shipped file alone: `cnnstudio models`
    answers without importing Keras and TensorFlow (seconds). None when the file lacks a model's
    figures or they are for another input or class count than its metadata says; the caller
    then asks the registry (`catalog_entries`), which computes what is missing."""
    metas = load_model_metadata()
    figures = load_catalog()
    listing = []
    for meta in metas.values():
        entry = figures.get(meta.name)
        if entry is None or (entry.input_shape, entry.num_classes) != (
            meta.canonical_input,
            meta.default_classes,
        ):
            return None
        listing.append((meta, entry))
    return listing or None


def compute_entry(name: str) -> CatalogEntry:
    """Build `name` at its canonical input with default classes and options; count."""
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats
    from cnnstudio.models import create_model, get_model_info

    info = get_model_info(name)
    stats = compute_model_stats(create_model(info.name))
    return CatalogEntry(
        name=info.name,
        input_shape=info.canonical_input,
        num_classes=info.default_classes,
        params=stats.params,
        trainable_params=stats.trainable_params,
        macs=stats.macs,
    )


def catalog_entries(
    names: Iterable[str] | None = None,
    *,
    on_compute: Callable[[str], None] | None = None,
    path: Path | None = None,
) -> list[CatalogEntry]:
    """Figures for `names` (default: every registered model), from the catalog where it is
    current, computed otherwise; `on_compute(name)` is called before each slow computation."""
    from cnnstudio.models import get_model_info, list_models

    infos = list_models() if names is None else [get_model_info(n) for n in names]
    catalog = load_catalog(path)
    entries = []
    for info in infos:
        entry = catalog.get(info.name)
        current = entry is not None and (
            entry.input_shape == info.canonical_input and entry.num_classes == info.default_classes
        )
        if not current:
            if on_compute is not None:
                on_compute(info.name)
            entry = compute_entry(info.name)
        entries.append(entry)
    return entries
