"""A run holding the bundled LeNet-5, trained on mnist-5k (as `cnnstudio train` records it)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def lenet_run():
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.locations import resource_path

    run = RunStore().create("lenet5", "mnist-5k")
    shutil.copyfile(resource_path("pretrained", "lenet5_mnist.keras"), run.model_file)
    run.write_record(
        {
            "schema_version": 2,
            "model": {"name": "lenet5"},
            "status": "finished",
            "config": {"dataset": "mnist-5k", "validation_fraction": 0.2, "seed": 0},
            "dataset": {
                "name": "mnist-5k",
                "class_names": [str(d) for d in range(10)],
                "image_shape": [28, 28, 1],
            },
        }
    )
    return run
