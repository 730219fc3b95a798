"""What BatchNorm, LayerNorm, InstanceNorm and GroupNorm average over, on one N x C x H x W batch.

Each kind splits the batch into groups of (sample, channel) blocks of H x W values and takes one
mean and one (biased) variance per group (Wu & He, "Group Normalization", 2018, figure 2):

    BatchNorm     one group per channel: every sample's block of that channel  (N*H*W values)
    LayerNorm     one group per sample: every channel's block of that sample   (C*H*W values)
    InstanceNorm  one group per block: one sample, one channel                 (H*W values)
    GroupNorm     one group per sample and run of C/G channels                 (C/G*H*W values)

NumPy only, so the view can draw it before TensorFlow has loaded; the tests check it against
Keras's own layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("batch", "layer", "instance", "group")


@dataclass(frozen=True)
class NormStatistics:
    """`group_of[n, c]` is the group of block (n, c); `means[g]`, `variances[g]` its statistics."""

    kind: str
    group_of: np.ndarray  # N x C ints
    means: np.ndarray
    variances: np.ndarray

    @property
    def group_count(self) -> int:
        return len(self.means)

    def members(self, group: int) -> list[tuple[int, int]]:
        """The (sample, channel) blocks of one group."""
        return [(int(n), int(c)) for n, c in zip(*np.nonzero(self.group_of == group), strict=True)]


def group_map(kind: str, samples: int, channels: int, groups: int = 2) -> np.ndarray:
    """N x C: which statistic each (sample, channel) block shares."""
    n, c = np.meshgrid(np.arange(samples), np.arange(channels), indexing="ij")
    if kind == "batch":
        return c
    if kind == "layer":
        return n
    if kind == "instance":
        return n * channels + c
    if kind == "group":
        if groups < 1 or channels % groups:
            raise ValueError(f"{channels} channels do not split into {groups} groups")
        return n * groups + c // (channels // groups)
    raise ValueError(f"unknown normalization {kind!r}")


def norm_statistics(batch: np.ndarray, kind: str, groups: int = 2) -> NormStatistics:
    """The mean and variance of every group of `batch` (N x C x H x W) for one kind."""
    batch = np.asarray(batch, dtype=float)
    samples, channels = batch.shape[:2]
    group_of = group_map(kind, samples, channels, groups)
    count = int(group_of.max()) + 1
    means, variances = np.empty(count), np.empty(count)
    for group in range(count):
        values = batch[group_of == group]  # blocks x H x W
        means[group], variances[group] = values.mean(), values.var()
    return NormStatistics(kind, group_of, means, variances)


def normalize(batch: np.ndarray, stats: NormStatistics, epsilon: float = 1e-3) -> np.ndarray:
    """(x - mean) / sqrt(variance + epsilon) with each block's group statistics (no scale and
    shift: gamma = 1, beta = 0)."""
    batch = np.asarray(batch, dtype=float)
    mean = stats.means[stats.group_of][:, :, None, None]
    variance = stats.variances[stats.group_of][:, :, None, None]
    return (batch - mean) / np.sqrt(variance + epsilon)


def example_batch(samples: int = 4, channels: int = 6, side: int = 3, seed: int = 0) -> np.ndarray:
    """A small random batch, each channel with its own offset so that the kinds differ."""
    rng = np.random.default_rng(seed)
    offsets = np.arange(channels)[None, :, None, None] * 0.5
    return np.round(rng.normal(size=(samples, channels, side, side)) + offsets, 1)
