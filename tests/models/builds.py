"""Models built for their shapes alone: no weight buffers, so any size costs next to nothing.

Parameter counts, layer names, output shapes, MACs and every option combination need only the
model's structure. The engine builds them so for the graph view (`engine/graph_source.py`,
which explains the trick); the tests use the same functions. Such a model cannot be called or
trained; tests that need numbers build a real model at 32x32 and let it go.
"""

from __future__ import annotations

from cnnstudio.engine.graph_source import shape_only, without_weights

__all__ = ["shape_only", "without_weights"]
