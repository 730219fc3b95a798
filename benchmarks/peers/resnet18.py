"""ResNet-18 at 32x32x3, 10 classes: the zoo's (Keras on TensorFlow, what the engine trains)
or torchvision's, on the same random images (no data set at 32x32x3 ships offline), batch 128,
SGD with momentum 0.9, `--steps` timed training steps after two warm-up steps.

Both in the usual CIFAR form, which the zoo picks by itself below 64 pixels (its "small" stem):
a 3x3 stride-1 first convolution and no max pool, so that 32x32 images reach the last stage at
4x4. torchvision's is changed the way CIFAR users change it; the two have the same 11,173,962
trainable parameters (printed and compared by the runner).

python -m benchmarks.peers.resnet18 {zoo,torchvision} [--steps 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

BATCH = 128


def zoo(x: np.ndarray, y: np.ndarray, steps: int) -> tuple[list[float], int, int]:
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
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return seconds, trainable, compute_model_stats(model).macs


def torchvision_resnet(x: np.ndarray, y: np.ndarray, steps: int) -> tuple[list[float], int, int]:
    import torch
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = torch.nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
    model.maxpool = torch.nn.Identity()
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
    return seconds, sum(p.numel() for p in model.parameters()), 0


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
    seconds, params, macs = train(x, y, args.steps)
    # One "epoch" per step here: the runner's throughput is images / seconds of each.
    report(f"resnet18-{args.which}", seconds, BATCH, params=params, forward_macs=macs)


if __name__ == "__main__":
    main()
