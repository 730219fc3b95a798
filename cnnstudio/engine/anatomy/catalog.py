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

    python -m cnnstudio.engine.anatomy.catalog --write
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# ModelMeta and OptionMeta are declared once, there, for the registry and this catalog alike.
from cnnstudio.engine.store.atomic_files import atomic_write_text
from cnnstudio.model_metadata import ModelMeta, OptionMeta  # noqa: F401 (OptionMeta re-exported)

CATALOG_PATH = Path(__file__).with_name("zoo_catalog.json")
REGENERATE_COMMAND = "python -m cnnstudio.engine.anatomy.catalog --write"


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


def write_catalog(
    entries: Iterable[CatalogEntry],
    path: Path | None = None,
    metadata: Iterable[ModelMeta] | None = None,
) -> None:
    """Write atomically: a crash mid-write leaves the previous catalog intact. `metadata`
    defaults to the registry's, which costs nothing next to computing the figures."""
    import keras

    path = CATALOG_PATH if path is None else path
    metadata = registry_metadata() if metadata is None else list(metadata)
    about = (
        "Parameters and MACs (multiply-accumulates, one image) of every model at its canonical "
        "input, default classes and options, and the registry's metadata and option tables "
        f"(for listing models without importing Keras). Regenerate: {REGENERATE_COMMAND}"
    )
    # One model per line: a regenerated catalog diffs line by line.
    models = ",\n".join(f"  {json.dumps(entry.to_dict())}" for entry in entries)
    metas = ",\n".join(f"  {json.dumps(meta.to_dict())}" for meta in metadata)
    text = (
        f'{{\n "about": {json.dumps(about)},\n'
        f' "keras_version": {json.dumps(keras.__version__)},\n'
        f' "models": [\n{models}\n ],\n'
        f' "metadata": [\n{metas}\n ]\n}}\n'
    )
    json.loads(text)  # the hand-made layout must stay valid JSON
    atomic_write_text(path, text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cnnstudio.engine.anatomy.catalog",
        description="Compute every zoo model's parameters and MACs at its canonical input.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"rewrite {CATALOG_PATH.name}")
    action.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the shipped catalog differs from fresh figures",
    )
    args = parser.parse_args(argv)

    import keras

    from cnnstudio.models import list_models

    shipped = load_catalog()
    fresh = []
    for info in list_models():
        print(f"computing {info.name} ...", file=sys.stderr, flush=True)
        fresh.append(compute_entry(info.name))
        # Free the graph before the next (possibly 140-million-parameter) model.
        keras.backend.clear_session()
    if args.write:
        write_catalog(fresh)
        print(f"wrote {len(fresh)} models to {CATALOG_PATH}")
        return 0
    stale = [e.name for e in fresh if shipped.get(e.name) != e]
    shipped_meta = load_model_metadata()
    stale += [m.name for m in registry_metadata() if shipped_meta.get(m.name) != m]
    if stale:
        print(f"stale catalog entries: {', '.join(stale)}; run {REGENERATE_COMMAND}")
        return 1
    print("catalog is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
