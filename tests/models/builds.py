"""Built models shared between tests: building ResNet-152 or VGG-19 once is enough.

Tests that use a cached model must not train or otherwise change it.
"""

from __future__ import annotations

import functools
import json

from cnnstudio.models import create_model


@functools.cache
def _build(name: str, input_shape: tuple[int, int, int], num_classes: int, options_json: str):
    return create_model(name, input_shape, num_classes, **json.loads(options_json))


def built(name: str, input_shape, num_classes: int, **options):
    """A shared, read-only model for `name` at `input_shape` with `num_classes` outputs."""
    return _build(name, tuple(input_shape), num_classes, json.dumps(options, sort_keys=True))
