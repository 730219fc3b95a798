"""Models built for their shapes alone: see `cnnstudio.models.structure`, which the self-test
shares. Such a model cannot be called or trained; tests that need numbers build a real model at
32x32 and let it go."""

from cnnstudio.models.structure import shape_only, without_weights

__all__ = ["shape_only", "without_weights"]
