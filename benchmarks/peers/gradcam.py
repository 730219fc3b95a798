"""Grad-CAM of ResNet-50 on one 224x224 image, 1,000 classes, random weights: the engine's
`GradCAM` on the zoo's ResNet-50 (Keras on TensorFlow; target layer found from the structure:
conv5_block3_out) or pytorch-grad-cam's `GradCAM` (PyPI: grad-cam) on torchvision's
`resnet50(weights=None)` in eval mode at `layer4[-1]`, the layer its README names for ResNet. The
same random image in both; the class explained is the highest-scoring one (both defaults).
Seconds per image of `--calls` calls after a first one (which traces or warms up).

python -m benchmarks.peers.gradcam {zoo,torch} [--calls 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def zoo(image: np.ndarray, calls: int) -> tuple[list[float], str]:
    from benchmarks.insight import resnet50_gradcam_seconds

    result = resnet50_gradcam_seconds(calls)
    return result["seconds"], result["layer"]


def torch_grad_cam(image: np.ndarray, calls: int) -> tuple[list[float], str]:
    import torch
    import torchvision
    from pytorch_grad_cam import GradCAM

    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    cam = GradCAM(model=model, target_layers=[model.layer4[-1]])
    tensor = torch.from_numpy(image.transpose(0, 3, 1, 2).copy())
    heat = cam(input_tensor=tensor, targets=None)  # the first call: warm-up
    assert heat.shape == (1, 224, 224)
    seconds = []
    for _ in range(calls):
        begin = time.perf_counter()
        cam(input_tensor=tensor, targets=None)
        seconds.append(time.perf_counter() - begin)
    return seconds, "layer4[-1]"


def main() -> None:
    from benchmarks.peers.mnist5k import report

    parser = argparse.ArgumentParser()
    parser.add_argument("which", choices=("zoo", "torch"))
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    # The image resnet50_gradcam_seconds makes for the zoo's side: the same values here.
    image = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    run = zoo if args.which == "zoo" else torch_grad_cam
    seconds, layer = run(image, args.calls)
    # One "epoch" per call of one image: the runner's rate is images per second.
    report(f"gradcam-{args.which}", seconds, 1, layer=layer, seconds_per_image=seconds)


if __name__ == "__main__":
    main()
