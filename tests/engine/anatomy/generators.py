"""The generators of shipped files (packaging/make_zoo_*.py), loaded by path: `packaging` is
not an importable package (the name is PyPI's `packaging`)."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

PACKAGING = Path(__file__).resolve().parents[3] / "packaging"


def load(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"cnnstudio_packaging_{name}", PACKAGING / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


zoo_stats = load("make_zoo_stats")
zoo_catalog = load("make_zoo_catalog")
