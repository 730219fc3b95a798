"""Layer statistics kept on disk, so that a model's graph opens without building it.

Building DenseNet-201 for its statistics takes seconds even without weight buffers (Keras's
per-layer bookkeeping), more than the graph view's whole budget. Two stores answer first:

* the shipped file `zoo_graph_stats.json.gz` next to this module: every zoo model at its
  canonical input, default classes and default options (about 80 kB). Regenerate it after
  changing a model (tests/engine/test_graph_source.py checks that it is current):

      python -m cnnstudio.engine.stats_store --write

* a cache of every other configuration computed on this machine, one JSON file per
  configuration in `$CNNSTUDIO_HOME/cache/graph-stats` (else the platform's user cache folder),
  keyed by the configuration, the Keras version and a fingerprint of the zoo's and
  layer_stats' source files, so an edited model is never answered from a stale entry.

Both hold `ModelStats.to_dict()`; `stats_from_dict` turns it back. A damaged entry is ignored
(and recomputed), never an error.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnstudio.engine.layer_stats import ModelStats

SHIPPED_PATH = Path(__file__).with_name("zoo_graph_stats.json.gz")
REGENERATE_COMMAND = "python -m cnnstudio.engine.stats_store --write"
Key = tuple[str, tuple[int, ...], int, tuple[tuple[str, Any], ...]]


def stats_from_dict(data: dict[str, Any]) -> ModelStats:
    """The inverse of `ModelStats.to_dict()`."""
    from cnnstudio.engine.layer_stats import LayerStats, ModelStats, ReceptiveField

    def shapes(values: list) -> tuple:
        return tuple(tuple(shape) for shape in values)

    layers = []
    for layer in data["layers"]:
        field = layer.get("receptive_field")
        layers.append(
            LayerStats(
                name=layer["name"],
                type=layer["type"],
                block=layer["block"],
                inbound=tuple(layer["inbound"]),
                input_shapes=shapes(layer["input_shapes"]),
                output_shapes=shapes(layer["output_shapes"]),
                trainable_params=int(layer["trainable_params"]),
                non_trainable_params=int(layer["non_trainable_params"]),
                formula=layer["formula"],
                macs=int(layer["macs"]),
                receptive_field=(
                    None
                    if field is None
                    else ReceptiveField(tuple(field["size"]), tuple(field["jump"]))
                ),
                calls=int(layer.get("calls", 1)),
            )
        )
    return ModelStats(
        name=data["name"],
        input_shapes=shapes(data["input_shapes"]),
        output_shapes=shapes(data["output_shapes"]),
        layers=tuple(layers),
        keras_version=data.get("keras_version", ""),
    )


# --- the shipped canonical configurations ---------------------------------------------------


@cache
def _shipped() -> dict[str, dict[str, Any]]:
    try:
        with gzip.open(SHIPPED_PATH, "rt", encoding="utf-8") as handle:
            return json.load(handle)["models"]
    except (OSError, ValueError, KeyError, EOFError):
        return {}


def shipped_stats(key: Key) -> ModelStats | None:
    """The shipped statistics for `key` if it is a model's canonical configuration."""
    name, shape, classes, options = key
    entry = _shipped().get(name)
    if entry is None or entry["config"] != _config_json(shape, classes, options):
        return None
    try:
        return stats_from_dict(entry["stats"])
    except (KeyError, TypeError, ValueError):
        return None


def _config_json(shape: Sequence[int], classes: int, options: Sequence[tuple[str, Any]]) -> Any:
    # Through JSON and back, so that it compares equal to what the file holds.
    return json.loads(json.dumps([list(shape), classes, [list(item) for item in options]]))


def write_shipped(path: Path = SHIPPED_PATH) -> Path:
    """Compute every zoo model's canonical statistics and write them (atomically)."""
    from cnnstudio.engine.graph_source import canonical_key, compute_zoo_stats
    from cnnstudio.models import list_models

    models = {}
    for info in list_models():
        key = canonical_key(info.name)
        stats = compute_zoo_stats(key)
        models[info.name] = {"config": _config_json(*key[1:]), "stats": stats.to_dict()}
        print(f"{info.name}: {len(stats.layers)} layers", flush=True)
    text = json.dumps({"about": __doc__.splitlines()[0], "models": models}, separators=(",", ":"))
    temporary = path.with_name(path.name + ".tmp")
    # mtime=0: the same statistics give the same bytes.
    with open(temporary, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    os.replace(temporary, path)
    _shipped.cache_clear()
    return path


# --- the local cache --------------------------------------------------------------------------


def cache_dir() -> Path:
    home = os.environ.get("CNNSTUDIO_HOME")
    if home:
        return Path(home) / "cache" / "graph-stats"
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnstudio", appauthor=False)) / "graph-stats"


@cache
def _fingerprint() -> str:
    """Changes whenever a model file or layer_stats changes (size or modification time)."""
    import keras

    import cnnstudio
    import cnnstudio.models

    sources = sorted(Path(cnnstudio.models.__file__).parent.glob("*.py"))
    sources.append(Path(__file__).with_name("layer_stats.py"))
    digest = hashlib.sha256(f"{keras.__version__};{cnnstudio.__version__};".encode())
    for source in sources:
        try:
            stat = source.stat()
        except OSError:  # a frozen app keeps no sources: its version stands for them
            continue
        digest.update(f"{source.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _cache_path(key: Key) -> Path:
    text = json.dumps([_fingerprint(), key[0], *_config_json(*key[1:])])
    return cache_dir() / f"{key[0]}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"


def cached_stats(key: Key) -> ModelStats | None:
    try:
        return stats_from_dict(json.loads(_cache_path(key).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_stats(key: Key, stats: ModelStats) -> None:
    """Keep `stats` for next time; a cache that cannot be written is only slower."""
    from cnnstudio.engine.atomic_files import atomic_write_text

    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(stats.to_dict(), separators=(",", ":")))
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnstudio.engine.stats_store")
    parser.add_argument("--write", action="store_true", help=f"rewrite {SHIPPED_PATH.name}")
    args = parser.parse_args(argv)
    if not args.write:
        parser.print_help()
        return 0
    print(f"wrote {write_shipped()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
