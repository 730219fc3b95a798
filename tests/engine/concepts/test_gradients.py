"""Per-layer gradient norms against a hand-written NumPy backward pass; the plain network's
first layer gets less gradient than its residual twin's."""

from __future__ import annotations

import numpy as np
import pytest

from cnnstudio.engine.concepts.arithmetic import activation, derivative
from cnnstudio.engine.concepts.gradients import (
    compare_twins,
    gradient_norms,
    random_inputs,
    random_network,
)


def numpy_norms(layers, inputs, name, residual):
    xs, pre = [inputs.astype(float)], []
    for kernel, bias in layers:
        z = xs[-1] @ kernel + bias
        pre.append(z)
        y = activation(name, z)
        xs.append(xs[-1] + y if residual else y)
    upstream = np.full_like(xs[-1], 1.0 / len(inputs))  # d mean(sum(x)) / dx
    norms = []
    for index in reversed(range(len(layers))):
        dz = upstream * derivative(name, pre[index])
        norms.append(np.linalg.norm(xs[index].T @ dz))
        back = dz @ layers[index][0].T
        upstream = upstream + back if residual else back
    return norms[::-1]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("residual", [False, True])
def test_gradient_norms_equal_a_numpy_backward_pass(name, residual):
    layers = random_network(6, 8, seed=3)
    inputs = random_inputs(16, 8, seed=4)
    np.testing.assert_allclose(
        gradient_norms(layers, inputs, name, residual=residual),
        numpy_norms(layers, inputs, name, residual),
        rtol=1e-3,
    )


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_the_residual_twin_carries_more_gradient_to_the_first_layer(name):
    plain, residual = compare_twins(depth=20, width=32, activation=name)
    assert len(plain) == len(residual) == 20
    assert plain[0] < residual[0]
    if name == "sigmoid":
        # Vanishing: each sigmoid layer passes at most a quarter of the slope.
        assert plain[0] < plain[-1] / 100
