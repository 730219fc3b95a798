"""ResNet-18 at 32x32x3, 10 classes: the zoo's (Keras on TensorFlow, what the engine trains)
or torchvision's, on the same random images (no data set at 32x32x3 ships offline), batch 128,
SGD with momentum 0.9, `--steps` timed training steps after two warm-up steps.

python -m benchmarks.peers.resnet18 {zoo,torchvision} [--steps 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

BATCH = 128


def zoo(x: np.ndarray, y: np.ndarray, steps: int) -> tuple[list[float], int]:
    import keras

    from cnnstudio.models import create_model

    keras.utils.set_random_seed(0)
    model = create_model("resnet18", (32, 32, 3), 10)
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
    )
    seconds = []
    for step in range(steps + 2):
        begin = time.perf_counter()
        model.train_on_batch(x, y)
        if step >= 2:
            seconds.append(time.perf_counter() - begin)
    return seconds, model.count_params()


def torchvision_resnet(x: np.ndarray, y: np.ndarray, steps: int) -> tuple[list[float], int]:
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    labels = torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    seconds = []
    for step in range(steps + 2):
        begin = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        optimizer.step()
        if step >= 2:
            seconds.append(time.perf_counter() - begin)
    return seconds, sum(p.numel() for p in model.parameters())


def main() -> None:
    from benchmarks.peers.mnist5k import report

    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("zoo", "torchvision"))
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int64)
    train = zoo if args.which == "zoo" else torchvision_resnet
    seconds, params = train(x, y, args.steps)
    # One "epoch" per step here: the runner's throughput is images / seconds of each.
    report(f"resnet18-{args.which}", seconds, BATCH, params=params)


if __name__ == "__main__":
    main()
