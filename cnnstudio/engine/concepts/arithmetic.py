"""The arithmetic of the classic layers, in plain NumPy: output sizes, parameter counts with
their formula, sliding windows, pooling, dropout masks, the 1x1 bottleneck's saving, receptive
fields and the common activations with their derivatives.

Everything here is cheap and free of TensorFlow, so the Concepts view can use it before the
engine has loaded. Sizes follow the usual conventions (d2l.ai, chapter 7): an n x n input, a
k x k window, padding p on each side, stride s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --- convolution ----------------------------------------------------------------------------------


def conv_output_size(n: int, k: int, p: int = 0, s: int = 1) -> int:
    """floor((n + 2p - k) / s) + 1, the output side of a convolution or pooling window."""
    if n < 1 or k < 1 or s < 1 or p < 0:
        raise ValueError(f"sizes must be positive (n={n}, k={k}, p={p}, s={s})")
    if n + 2 * p < k:
        raise ValueError(f"a {k}x{k} window does not fit a {n}x{n} input padded by {p}")
    return (n + 2 * p - k) // s + 1


@dataclass(frozen=True)
class ConvParams:
    """The parameters of a k x k convolution from c_in to c_out channels, with the formula."""

    k: int
    c_in: int
    c_out: int
    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases

    @property
    def formula(self) -> str:
        # '5*5*1*6 + 6 = 156', as the layer statistics write it.
        text = f"{self.k}*{self.k}*{self.c_in}*{self.c_out}"
        if self.biases:
            text += f" + {self.biases}"
        return f"{text} = {self.total}"


def conv_params(k: int, c_in: int, c_out: int, *, bias: bool = True) -> ConvParams:
    return ConvParams(k, c_in, c_out, k * k * c_in * c_out, c_out if bias else 0)


@dataclass(frozen=True)
class StackComparison:
    """n stacked k x k convolutions against the one big convolution with the same field."""

    k: int
    layers: int
    big_k: int  # the side of the one convolution that sees the same window
    stacked_weights: int  # per (input channel, output channel) pair
    big_weights: int
    stacked_nonlinearities: int
    big_nonlinearities: int
    fields: tuple[int, ...]  # the stack's receptive field after each of its layers


def compare_stack(k: int = 3, layers: int = 2) -> StackComparison:
    """Two 3x3 against one 5x5 (VGG's argument): 2*(3*3) = 18 against 25 weights per channel
    pair, the same 5x5 field, one more non-linearity."""
    fields = tuple(1 + (k - 1) * (index + 1) for index in range(layers))
    big = fields[-1]
    return StackComparison(k, layers, big, layers * k * k, big * big, layers, 1, fields)


def correlate(image: np.ndarray, kernel: np.ndarray, p: int = 0, s: int = 1) -> np.ndarray:
    """The cross-correlation a convolution layer computes (one channel), zero padding p."""
    padded = np.pad(np.asarray(image, dtype=float), p)
    k = kernel.shape[0]
    size = conv_output_size(image.shape[0], k, p, s)
    out = np.empty((size, size))
    for i in range(size):
        for j in range(size):
            out[i, j] = float(np.sum(padded[i * s : i * s + k, j * s : j * s + k] * kernel))
    return out


def pool(grid: np.ndarray, k: int, s: int, mode: str) -> np.ndarray:
    """Max or average pooling of one channel, no padding."""
    reduce = {"max": np.max, "average": np.mean}[mode]
    size = conv_output_size(grid.shape[0], k, 0, s)
    out = np.empty((size, size))
    for i in range(size):
        for j in range(size):
            out[i, j] = float(reduce(grid[i * s : i * s + k, j * s : j * s + k]))
    return out


# --- dropout --------------------------------------------------------------------------------------


def dropout_mask(units: int, rate: float, seed: int) -> np.ndarray:
    """Which units are kept (True) in one training step: each dropped with probability `rate`."""
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"the dropout rate must be in [0, 1); received {rate}")
    return np.random.default_rng(seed).random(units) >= rate


def apply_dropout(values: np.ndarray, mask: np.ndarray, rate: float, training: bool) -> np.ndarray:
    """Inverted dropout, as Keras does it: in training the kept units are scaled by 1/(1-p) so
    the expected sum is unchanged; at inference every unit passes as it is."""
    if not training:
        return np.asarray(values, dtype=float).copy()
    return np.where(mask, values / (1.0 - rate), 0.0)


# --- the 1x1 bottleneck ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchCost:
    """Weights (biases left out, as the papers count) and multiply-accumulates of one branch."""

    weights: int
    macs: int


def bottleneck_costs(
    side: int, c_in: int, c_reduce: int, c_out: int, k: int = 5
) -> tuple[BranchCost, BranchCost]:
    """A k x k convolution from c_in to c_out channels on a side x side map ("same" padding),
    directly and through a 1x1 reduction to c_reduce channels (GoogLeNet's 5x5 branch:
    28x28x192 -> 16 -> 32)."""
    positions = side * side
    direct = k * k * c_in * c_out
    reduce, conv = c_in * c_reduce, k * k * c_reduce * c_out
    return (
        BranchCost(direct, direct * positions),
        BranchCost(reduce + conv, (reduce + conv) * positions),
    )


# --- receptive fields -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldStep:
    """After one layer of window k and stride s: its receptive field r and jump j in input
    pixels, r_l = r_{l-1} + (k_l - 1) * j_{l-1}, j_l = j_{l-1} * s_l."""

    k: int
    s: int
    field: int
    jump: int


def receptive_fields(layers: list[tuple[int, int]]) -> list[FieldStep]:
    """The field and jump after each (window, stride) layer of a stack, from r_0 = j_0 = 1."""
    steps, field, jump = [], 1, 1
    for k, s in layers:
        field, jump = field + (k - 1) * jump, jump * s
        steps.append(FieldStep(k, s, field, jump))
    return steps


# --- activations ----------------------------------------------------------------------------------

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def activation(name: str, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        return np.maximum(x, 0.0)
    raise ValueError(f"unknown activation {name!r}")


def derivative(name: str, x: np.ndarray) -> np.ndarray:
    """The slope of `activation(name)`: sigmoid's is at most 1/4, the root of vanishing
    gradients in deep sigmoid networks; ReLU's is 1 wherever the unit is on (0 at x <= 0)."""
    y = activation(name, x)
    if name == "sigmoid":
        return y * (1.0 - y)
    if name == "tanh":
        return 1.0 - y * y
    return (np.asarray(x, dtype=float) > 0).astype(float)
