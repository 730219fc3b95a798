"""Regenerate the shipped zoo catalog, `cnnstudio/engine/anatomy/zoo_catalog.json`: every
model's parameters and MACs at its canonical input, and the registry's metadata.

    python packaging/make_zoo_catalog.py --write     # or --check

A generator of a shipped file, so it lives here and not in the runtime package.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from cnnstudio.engine.anatomy.catalog import (
    CATALOG_PATH,
    REGENERATE_COMMAND,
    CatalogEntry,
    ModelMeta,
    compute_entry,
    load_catalog,
    load_model_metadata,
    registry_metadata,
)
from cnnstudio.engine.store.atomic_files import atomic_write_text


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
        prog="python packaging/make_zoo_catalog.py",
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
