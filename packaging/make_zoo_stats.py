"""Regenerate the shipped layer statistics, `cnnstudio/engine/anatomy/zoo_graph_stats.zip`.

Every zoo model at its canonical input, and at each registered data set's input and classes
as training builds it, built without weight buffers; written with fixed member dates, so equal
statistics give equal bytes. Run after changing a model (tests/engine/anatomy says when):

    python packaging/make_zoo_stats.py --write

A generator of a shipped file, so it lives here and not in the runtime package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnnstudio.engine.anatomy import stats_store
from cnnstudio.engine.anatomy.graph_source import canonical_key, compute_zoo_stats, stats_key
from cnnstudio.engine.anatomy.stats_store import (
    SHIPPED_PATH,
    Key,
    _config_json,
    _key_text,
    source_hash_now,
)

_INDEX = "index.json"


def dataset_keys() -> list[Key]:
    """Every zoo model at each registered data set's input and classes, default options, as
    training builds it; canonical configurations left out (shipped anyway)."""
    from cnnstudio.engine.data.datasets import list_datasets
    from cnnstudio.engine.training.recipe import choose_input_shape
    from cnnstudio.models import list_models

    keys: dict[Key, None] = {}
    for info in list_models():
        canonical = canonical_key(info.name)
        for dataset in list_datasets():
            shape = choose_input_shape(info.min_input, tuple(dataset.image_shape))
            key = stats_key(info.name, shape, dataset.num_classes)
            if key != canonical:
                keys[key] = None
    return list(keys)


def write_shipped(path: Path = SHIPPED_PATH) -> Path:
    """Compute every zoo model's canonical statistics and write them (atomically)."""
    from cnnstudio.models import list_models

    canonical = {}
    for info in list_models():
        key = canonical_key(info.name)
        stats = compute_zoo_stats(key)
        canonical[info.name] = (_config_json(*key[1:]), stats.to_dict())
        print(f"{info.name}: {len(stats.layers)} layers", flush=True)
    extra = {}
    for key in dataset_keys():
        extra[_key_text(key)] = compute_zoo_stats(key).to_dict()
        print(_key_text(key), flush=True)
    write_archive(path, canonical, source_hash_now() or "", extra)
    return path


def write_archive(
    path: Path,
    canonical: dict[str, tuple[Any, dict[str, Any]]],
    source_hash: str,
    extra: dict[str, dict[str, Any]],
) -> None:
    """The archive: an index and one compressed JSON member per configuration, written to a
    temporary file and moved into place; fixed member dates, so equal statistics give equal
    bytes."""
    index: dict[str, Any] = {"about": stats_store.__doc__.splitlines()[0], "canonical": {}}
    members: dict[str, dict[str, Any]] = {}
    for name, (config, stats) in canonical.items():
        index["canonical"][name] = {"config": config, "member": f"canonical/{name}.json"}
        members[f"canonical/{name}.json"] = stats
    index["source_hash"] = source_hash
    index["extra"] = {}
    for key_text, stats in extra.items():
        digest = hashlib.sha256(key_text.encode()).hexdigest()[:12]
        member = f"datasets/{json.loads(key_text)[0]}-{digest}.json"
        index["extra"][key_text] = member
        members[member] = stats
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in [(_INDEX, index), *members.items()]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, json.dumps(data, separators=(",", ":")))
    os.replace(temporary, path)
    stats_store._index.cache_clear()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/make_zoo_stats.py")
    parser.add_argument("--write", action="store_true", help=f"rewrite {SHIPPED_PATH.name}")
    args = parser.parse_args(argv)
    if not args.write:
        parser.print_help()
        return 0
    print(f"wrote {write_shipped()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
