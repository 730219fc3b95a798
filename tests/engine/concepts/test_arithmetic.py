"""The Concepts arithmetic against values computed another way: Keras layers, brute-force
counting and the layer statistics' receptive fields."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from cnnstudio.engine.concepts import arithmetic as ar


@pytest.mark.parametrize(
    ("n", "k", "p", "s"), [(28, 5, 0, 1), (32, 5, 2, 1), (7, 3, 1, 2), (224, 7, 3, 2), (6, 2, 0, 2)]
)
def test_output_size_and_sliding_window_agree_with_keras(n, k, p, s):
    image = np.random.default_rng(n).normal(size=(n, n))
    kernel = np.random.default_rng(k).normal(size=(k, k))
    layer = keras.layers.Conv2D(1, k, strides=s, padding="valid", use_bias=False)
    padded = np.pad(image, p)[None, :, :, None]
    layer.build(padded.shape)
    layer.set_weights([kernel[:, :, None, None]])
    expected = np.asarray(layer(padded))[0, :, :, 0]
    assert (
        ar.conv_output_size(n, k, p, s) == expected.shape[0] == math.floor((n + 2 * p - k) / s) + 1
    )
    np.testing.assert_allclose(ar.correlate(image, kernel, p, s), expected, rtol=1e-4, atol=1e-4)


def test_a_window_larger_than_the_input_is_refused():
    with pytest.raises(ValueError):
        ar.conv_output_size(3, 5, 0, 1)


def test_parameters_and_formula_agree_with_keras():
    params = ar.conv_params(5, 1, 6)
    assert params.formula == "5*5*1*6 + 6 = 156"
    for k, c_in, c_out in [(5, 1, 6), (3, 64, 128), (1, 192, 16)]:
        layer = keras.layers.Conv2D(c_out, k)
        layer.build((None, 8, 8, c_in))
        assert ar.conv_params(k, c_in, c_out).total == layer.count_params()


def test_two_3x3_against_one_5x5():
    stack = ar.compare_stack(3, 2)
    assert (stack.stacked_weights, stack.big_weights, stack.big_k) == (18, 25, 5)
    assert stack.fields == (3, 5)
    assert stack.stacked_nonlinearities == stack.big_nonlinearities + 1
    three = ar.compare_stack(3, 3)
    assert (three.stacked_weights, three.big_weights, three.fields[-1]) == (27, 49, 7)


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pooling_agrees_with_keras(mode):
    grid = np.random.default_rng(3).integers(0, 9, size=(6, 6)).astype(float)
    layer = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}[mode]
    for k, s in [(2, 2), (3, 1), (3, 2)]:
        expected = np.asarray(layer(k, strides=s)(grid[None, :, :, None]))[0, :, :, 0]
        np.testing.assert_allclose(ar.pool(grid, k, s, mode), expected, rtol=1e-6)


def test_dropout_drops_about_the_rate_and_keeps_the_expected_sum():
    values = np.ones(10_000)
    mask = ar.dropout_mask(values.size, 0.3, seed=1)
    assert 0.28 < 1 - mask.mean() < 0.32
    dropped = ar.apply_dropout(values, mask, 0.3, training=True)
    assert set(np.round(np.unique(dropped), 6)) == {0.0, round(1 / 0.7, 6)}
    assert abs(dropped.sum() - values.sum()) / values.sum() < 0.03
    np.testing.assert_array_equal(ar.apply_dropout(values, mask, 0.3, training=False), values)


def test_inverted_dropout_is_what_keras_does():
    # Keras scales the kept units by 1/(1-rate) in training and passes everything at inference.
    values = np.arange(1.0, 201.0)[None, :]
    out = np.asarray(keras.layers.Dropout(0.25, seed=4)(values, training=True))[0]
    kept = out != 0
    np.testing.assert_allclose(
        out, ar.apply_dropout(values[0], kept, 0.25, training=True), rtol=1e-6
    )
    np.testing.assert_array_equal(
        np.asarray(keras.layers.Dropout(0.25)(values, training=False)), values
    )


def test_the_inception_bottleneck_in_numbers():
    direct, reduced = ar.bottleneck_costs(28, 192, 16, 32, k=5)
    # GoogLeNet's inception (3a) 5x5 branch, by hand: 5*5*192*32 and 192*16 + 5*5*16*32.
    assert direct.weights == 153_600 and reduced.weights == 3_072 + 12_800
    assert direct.macs == 153_600 * 784 == 120_422_400
    assert reduced.macs == 15_872 * 784
    conv = keras.layers.Conv2D(32, 5, use_bias=False)
    conv.build((None, 28, 28, 192))
    assert conv.count_params() == direct.weights


def test_receptive_fields_agree_with_the_layer_statistics():
    from cnnstudio.engine.anatomy.layer_stats import compute_model_stats

    stack = [(3, 1), (3, 1), (2, 2), (3, 1), (3, 2), (3, 1)]
    inputs = keras.Input((64, 64, 1))
    x = inputs
    for index, (k, s) in enumerate(stack):
        if k == 2:
            x = keras.layers.MaxPooling2D(k, strides=s, name=f"pool{index}")(x)
        else:
            x = keras.layers.Conv2D(2, k, strides=s, padding="same", name=f"conv{index}")(x)
    stats = compute_model_stats(keras.Model(inputs, x))
    steps = ar.receptive_fields(stack)
    for index, step in enumerate(steps):
        name = f"pool{index}" if stack[index][0] == 2 else f"conv{index}"
        field = stats.layer(name).receptive_field
        assert field.size == (step.field, step.field) and field.jump == (step.jump, step.jump)
    assert [step.field for step in ar.receptive_fields([(3, 1)] * 4)] == [3, 5, 7, 9]


def test_activation_derivatives_are_the_slopes():
    x = np.linspace(-4, 4, 81)
    h = 1e-5
    for name in ar.ACTIVATIONS:
        numeric = (ar.activation(name, x + h) - ar.activation(name, x - h)) / (2 * h)
        keep = np.abs(x) > 1e-3  # ReLU has no slope at 0
        np.testing.assert_allclose(ar.derivative(name, x)[keep], numeric[keep], atol=1e-6)
        np.testing.assert_allclose(
            ar.activation(name, x), keras.activations.get(name)(x), atol=1e-6
        )
    assert ar.derivative("sigmoid", x).max() == pytest.approx(0.25)
