"""How much gradient reaches each layer of a deep network, plain against residual.

A stack of `depth` dense layers of equal width, each `x <- act(W x + b)` (plain) or
`x <- x + act(W x + b)` (its residual twin, He et al. 2016: the identity path carries the
gradient past every layer). The loss is the mean over the batch of the sum of the outputs; the
result is the Frobenius norm of dL/dW for every layer, first layer first, measured with
tf.GradientTape. Weights come from `random_network`, so both twins start from the same numbers
and a test can repeat the computation another way.

Imports TensorFlow: the GUI calls this only on a worker thread once the engine has loaded.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

Layer = tuple[np.ndarray, np.ndarray]  # kernel (width x width), bias (width)


def random_network(depth: int, width: int, seed: int = 0) -> list[Layer]:
    """Glorot-uniform kernels and zero biases, as Keras's Dense starts."""
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be positive (depth={depth}, width={width})")
    rng = np.random.default_rng(seed)
    limit = np.sqrt(6.0 / (width + width))
    return [
        (
            rng.uniform(-limit, limit, size=(width, width)).astype(np.float32),
            np.zeros(width, np.float32),
        )
        for _ in range(depth)
    ]


def random_inputs(batch: int, width: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, width)).astype(np.float32)


def gradient_norms(
    layers: list[Layer], inputs: np.ndarray, activation: str = "sigmoid", *, residual: bool = False
) -> list[float]:
    """||dL/dW_l|| for every layer l of the stack, first layer first."""
    act = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}[activation]
    kernels = [tf.Variable(kernel) for kernel, _bias in layers]
    biases = [tf.constant(bias) for _kernel, bias in layers]
    with tf.GradientTape() as tape:
        x = tf.constant(inputs)
        for kernel, bias in zip(kernels, biases, strict=True):
            y = act(tf.matmul(x, kernel) + bias)
            x = x + y if residual else y
        loss = tf.reduce_mean(tf.reduce_sum(x, axis=1))
    grads = tape.gradient(loss, kernels)
    return [float(tf.norm(grad)) for grad in grads]


def compare_twins(
    depth: int = 20, width: int = 32, activation: str = "sigmoid", batch: int = 64, seed: int = 0
) -> tuple[list[float], list[float]]:
    """Per-layer gradient norms of a plain network and of its residual twin (same weights)."""
    layers = random_network(depth, width, seed)
    inputs = random_inputs(batch, width, seed + 1)
    return (
        gradient_norms(layers, inputs, activation, residual=False),
        gradient_norms(layers, inputs, activation, residual=True),
    )
