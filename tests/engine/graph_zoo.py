"""Statistics of every zoo model at its canonical input, built once per test process (without
weights) and shared by the graph tests, which run in one xdist group so they share this cache."""

from __future__ import annotations

import functools

from cnnstudio.engine.graph_source import zoo_stats
from cnnstudio.engine.layer_stats import ModelStats
from cnnstudio.models import get_model_info, list_models

ZOO = [info.name for info in list_models()]


@functools.cache
def canonical_stats(name: str) -> ModelStats:
    info = get_model_info(name)
    return zoo_stats(name, info.canonical_input, info.default_classes)
