"""`make bench-peers` (`python -m benchmarks.peers`, in .venv-peers): the engine side by side
with what people would otherwise write, on this machine. Not CI.

Each program runs as its own command, as a person runs it, and the programs alternate (A B C ...
A B C ...) over `--rounds` rounds so that a slow spell of a shared machine does not land on one
of them only:

  LeNet-5 on mnist-5k, 10 epochs, batch 256, Adam 5e-3 with a cosine decay to 0, standardised
  inputs, validation on the 1,000 validation images every epoch (the engine's default recipe):
    engine            `cnnstudio train --no-augment --epochs 10` (its history.jsonl gives the
                      time from one epoch's end to the next: checkpoint and history writes in)
    pytorch           plain PyTorch eager (torch_lenet.py), pytorch-compile with torch.compile
    keras-tensorflow  a plain Keras script, batch 256, steps_per_execution 16 (keras_lenet.py)
    keras-jax         the same script with KERAS_BACKEND=jax
  With the default augmentation (shifts, rotations, zooms):
    engine-augment    `cnnstudio train --epochs 10`
    pytorch-augment   torchvision.transforms.v2.RandomAffine per image in a DataLoader
  ResNet-18 at 32x32x3 (resnet18.py), batch 128, SGD: the zoo's in Keras on TensorFlow against
    torchvision's, timed training steps on random images.
  Grad-CAM of ResNet-50 on one 224x224 image (gradcam.py): the engine's `GradCAM` on the zoo's
    ResNet-50 (gradcam-zoo) against pytorch-grad-cam's on torchvision's (gradcam-torch), seconds
    per image after a first call; `--only gradcam-zoo --only gradcam-torch` runs just these.

The table is printed after each round (the last is the run's). Per program: median images/s of the
epochs after the first (the first traces and compiles) with the spread (lowest-highest of the
rounds' medians), the whole command's wall time (start-up, imports and data included), the paired
ratio engine / program per round (median and range) and the share of the CPU's float32 matmul peak
(peak.py) that the epoch's arithmetic reaches.
"""
