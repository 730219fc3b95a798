"""LeNet-5 on mnist-5k in plain PyTorch: the engine's default recipe written as a competent
PyTorch user writes it. Batch 256, Adam 5e-3 with a cosine decay to 0 over the run (stepped per
batch, as Keras's CosineDecay is), inputs standardised with the training set's mean and standard
deviation, validation each epoch. `--compile`: the model through `torch.compile`. `--augment`:
the engine's default augmentation (shifts of 10%, rotations of 10 degrees, zooms of 10%) the
usual PyTorch way: torchvision.transforms.v2.RandomAffine per image in a DataLoader's workers.

python -m benchmarks.peers.torch_lenet [--compile] [--augment] [--epochs 10]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from benchmarks.peers.mnist5k import LENET5_PARAMS, load, report


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
        nn.Linear(120, 84), nn.Tanh(),
        nn.Linear(84, 10),
    )  # fmt: skip


class Augmented(torch.utils.data.Dataset):
    """Each image through RandomAffine and Normalize when it is read, as torchvision's
    tutorials do."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, mean: float, std: float):
        from torchvision.transforms import v2

        self.images, self.labels = images, labels
        self.transform = v2.Compose(
            [
                v2.RandomAffine(degrees=10, translate=(0.1, 0.1), scale=(0.9, 1.1)),
                v2.Normalize([mean], [std]),
            ]
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int):
        return self.transform(self.images[index]), self.labels[index]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    torch.manual_seed(0)

    x, y, val_x, val_y = (torch.from_numpy(a) for a in load(channels_last=False))
    mean, std = x.mean().item(), x.std().item()
    val_x = (val_x - mean) / std
    if args.augment:
        loader = torch.utils.data.DataLoader(
            Augmented(x, y, mean, std),
            batch_size=args.batch_size,
            shuffle=True,
            num_workers=2,
            persistent_workers=True,
        )
    else:
        x = (x - mean) / std

        def batches():  # the whole set is in memory: a shuffled index, one slice per batch
            order = torch.randperm(len(y))
            for start in range(0, len(y), args.batch_size):
                rows = order[start : start + args.batch_size]
                yield x[rows], y[rows]

    model = lenet5()
    params = sum(p.numel() for p in model.parameters())
    assert params == LENET5_PARAMS, params
    steps = -(-len(y) // args.batch_size) * args.epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.0)
    loss_fn = nn.CrossEntropyLoss()
    net = torch.compile(model) if args.compile else model

    epoch_seconds, val_accuracy = [], 0.0
    last = time.perf_counter()
    for _ in range(args.epochs):
        net.train()
        for images, labels in loader if args.augment else batches():
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(images), labels)
            loss.backward()
            optimizer.step()
            schedule.step()
        net.eval()
        correct = 0
        with torch.no_grad():
            for start in range(0, len(val_y), args.batch_size):
                logits = net(val_x[start : start + args.batch_size])
                correct += (logits.argmax(1) == val_y[start : start + args.batch_size]).sum()
        val_accuracy = int(correct) / len(val_y)
        now = time.perf_counter()
        epoch_seconds.append(now - last)
        last = now
    name = "pytorch-compile" if args.compile else "pytorch"
    report(name + ("-augment" if args.augment else ""), epoch_seconds, len(y),
           params=params, val_accuracy=val_accuracy, threads=torch.get_num_threads())  # fmt: skip


if __name__ == "__main__":
    main()
