"""Layer statistics kept on disk, so that a model's graph opens without building it.

Building DenseNet-201 for its statistics takes seconds even without weight buffers (Keras's
per-layer bookkeeping), more than the graph view's whole budget. Two stores answer first:

* the shipped archive `zoo_graph_stats.zip` next to this module, one member per
  configuration: every zoo model at its canonical input, default classes and default options,
  and at the input and classes of each registered data set (as training would build it: the
  images grown to the model's smallest input), with default options. Regenerate it after
  changing a model:

      python packaging/make_zoo_stats.py --write

  tests/engine/anatomy/test_graph_source.py checks the canonical entries against fresh builds. The
  data-set entries carry a hash of the sources that shape the statistics (the zoo, the model
  metadata, layer_stats) and of the Keras version, and are used only while it matches: an edited
  model makes them slower (built again), never wrong. `make bench` says whether they are current.

* a cache of every other configuration computed on this machine, one JSON file per
  configuration in `$CNNSTUDIO_HOME/cache/graph-stats` (else the platform's user cache folder),
  keyed by the configuration, the Keras version and a fingerprint of the zoo's and
  layer_stats' source files, so an edited model is never answered from a stale entry.

Both hold `ModelStats.to_dict()`; `stats_from_dict` turns it back. A damaged entry is ignored
(and recomputed), never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.layer_stats import ModelStats

SHIPPED_PATH = Path(__file__).with_name("zoo_graph_stats.zip")
_INDEX = "index.json"
REGENERATE_COMMAND = "python packaging/make_zoo_stats.py --write"
Key = tuple[str, tuple[int, ...], int, tuple[tuple[str, Any], ...]]


def stats_from_dict(data: dict[str, Any]) -> ModelStats:
    """The inverse of `ModelStats.to_dict()`."""
    from cnnstudio.engine.anatomy.layer_stats import LayerStats, ModelStats, ReceptiveField

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
def _index() -> dict[str, Any]:
    """The shipped archive's index, read once per process ({} if missing or damaged):
    {"canonical": {model: {"config", "member"}}, "source_hash", "extra": {key text: member}}."""
    try:
        with zipfile.ZipFile(SHIPPED_PATH) as archive:
            data = json.loads(archive.read(_INDEX))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _member(name: str) -> dict[str, Any] | None:
    """One configuration's statistics from the archive: only that member is read and parsed
    (a single JSON of every configuration took a quarter of a second to parse)."""
    try:
        with zipfile.ZipFile(SHIPPED_PATH) as archive:
            return json.loads(archive.read(name))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return None


def _config_json(shape: Sequence[int], classes: int, options: Sequence[tuple[str, Any]]) -> Any:
    # Through JSON and back, so that it compares equal to what the file holds.
    return json.loads(json.dumps([list(shape), classes, [list(item) for item in options]]))


def _key_text(key: Key) -> str:
    return json.dumps([key[0], *_config_json(*key[1:])])


def shipped_stats(key: Key) -> ModelStats | None:
    """The shipped statistics for `key`: a model's canonical configuration, or a data set's
    while the sources it was computed from are unchanged."""
    name, shape, classes, options = key
    index = _index()
    entry = (index.get("canonical") or {}).get(name)
    member = None
    if entry is not None and entry["config"] == _config_json(shape, classes, options):
        member = entry["member"]
    else:
        current = source_hash_now()
        # A frozen app has no sources to hash: it trusts the file it was built with.
        if current is None or current == index.get("source_hash"):
            member = (index.get("extra") or {}).get(_key_text(key))
    data = _member(member) if member else None
    if data is None:
        return None
    try:
        return stats_from_dict(data)
    except (KeyError, TypeError, ValueError):
        return None


def shipped_extra_current() -> bool | None:
    """Whether the shipped data-set configurations match the sources (None: no sources)."""
    current = source_hash_now()
    return None if current is None else current == _index().get("source_hash")


# --- the local cache --------------------------------------------------------------------------


def cache_dir() -> Path:
    home = os.environ.get("CNNSTUDIO_HOME")
    if home:
        return Path(home) / "cache" / "graph-stats"
    import platformdirs

    return Path(platformdirs.user_cache_dir("cnnstudio", appauthor=False)) / "graph-stats"


# In cnnstudio/models but not deciding any model's structure: training-time augmentation layers
# and the weightless-build helper. Leaving them out keeps the shipped entries valid when they
# change.
_NOT_STRUCTURE = ("augmentation.py", "structure.py")


def _sources() -> list[Path]:
    """The files whose content decides a zoo model's statistics."""
    import cnnstudio.models

    package = Path(cnnstudio.models.__file__).parent
    sources = [path for path in sorted(package.glob("*.py")) if path.name not in _NOT_STRUCTURE]
    sources.append(package.parent / "model_metadata.py")
    sources.append(Path(__file__).with_name("layer_stats.py"))
    return sources


@cache
def source_hash_now() -> str | None:
    """A hash of the sources' content and the Keras version (the same in every checkout);
    None where the sources cannot be read (a frozen app)."""
    import keras

    digest = hashlib.sha256(keras.__version__.encode())
    try:
        for source in _sources():
            digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()[:16]


def _fingerprint() -> str:
    """What a local cache entry was computed from (a frozen app: its version)."""
    import keras

    import cnnstudio

    return source_hash_now() or f"{keras.__version__};{cnnstudio.__version__}"


def _cache_path(key: Key) -> Path:
    text = json.dumps([_fingerprint(), _key_text(key)])
    return cache_dir() / f"{key[0]}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.json"


def cached_stats(key: Key) -> ModelStats | None:
    try:
        return stats_from_dict(json.loads(_cache_path(key).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_stats(key: Key, stats: ModelStats) -> None:
    """Keep `stats` for next time; a cache that cannot be written is only slower."""
    from cnnstudio.engine.store.atomic_files import atomic_write_text

    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(stats.to_dict(), separators=(",", ":")))
    except OSError:
        pass
