"""Statistics of every zoo model at its canonical input, built once per test process (without
weights, never from the shipped file, which a test checks against these) and shared by the graph
tests, which run in one xdist group so they share this cache."""

from __future__ import annotations

import functools

from cnnstudio.engine.anatomy.graph_source import canonical_key, compute_zoo_stats
from cnnstudio.engine.anatomy.layer_stats import ModelStats
from cnnstudio.models import list_models

ZOO = [info.name for info in list_models()]


@functools.cache
def canonical_stats(name: str) -> ModelStats:
    return compute_zoo_stats(canonical_key(name))
