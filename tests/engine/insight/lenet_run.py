"""A finished run holding the bundled LeNet-5 (trained on MNIST), made in milliseconds: the
evaluation tests of the engine (conftest's `lenet_run`) and of the GUI need a trained model, not
a training."""

from __future__ import annotations

import shutil


def make_lenet_run(store=None):
    """A run of `store` (default: the test's private run store) with the bundled model.keras
    and the record training would have written (mnist-5k, its fixed validation split)."""
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.locations import resource_path

    run = (store if store is not None else RunStore()).create("lenet5", "mnist-5k")
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
