"""Models built for their structure alone: no weight buffers, so any size costs next to nothing.

Parameter counts, layer names and output shapes need only the model's structure. Built inside
`keras.StatelessScope(initialize_variables=False)` each variable keeps its shape and initializer
but no value: ResNet-152 at 224x224x3 builds in about 0.7 s with about 9 MB of resident growth,
where a real VGG-19 build adds 1.4 GB. Such a model cannot be called or trained. The tests
(`tests/models/builds.py`) and the self-test (`cnnstudio.selftest`) build the zoo this way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras

# Keras lists every variable made without a value in its global state and gives them all real
# buffers when the next outermost StatelessScope that initializes variables closes. Nothing
# public forgets them, so the list is cut back to what it held before.
from keras.src.backend.common import global_state

from cnnstudio.models.registry import create_model

_PENDING = "uninitialized_variables"


@contextlib.contextmanager
def without_weights() -> Iterator[None]:
    """Layers and models built inside get shapes but no weight buffers, now or later."""
    pending = global_state.get_global_attribute(_PENDING, [], set_to_default=True)
    before = len(pending)
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        del global_state.get_global_attribute(_PENDING, [], set_to_default=True)[before:]


def shape_only(name: str, input_shape=None, num_classes=None, **options) -> keras.Model:
    """`create_model(...)` without weight buffers: for shapes, names and counts only."""
    with without_weights():
        return create_model(name, input_shape, num_classes, **options)
