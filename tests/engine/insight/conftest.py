"""A run holding the bundled LeNet-5, trained on mnist-5k (as `cnnstudio train` records it)."""

from __future__ import annotations

import pytest

from tests.engine.insight.lenet_run import make_lenet_run


@pytest.fixture
def lenet_run():
    return make_lenet_run()
