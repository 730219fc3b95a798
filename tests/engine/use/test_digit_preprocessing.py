"""The drawing pad's preprocessing (MNIST's recipe), NumPy + Pillow only."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cnnstudio.engine.data.datasets import load_dataset
from cnnstudio.engine.use.digit_preprocessing import (
    ImageTooSmall,
    fit_to_input,
    ink_fraction,
    is_dark_on_light,
    load_canvas,
    prepare_digit,
    resize_bilinear,
)
from tests.engine.drawn_digits import STYLES, render

# Round trip of a real MNIST digit, drawn 10x larger on a 280 x 280 canvas and prepared back:
# the mean absolute difference per image (pixels in [0, 1]) stays under these. What remains is
# MNIST's own faint anti-aliasing below the noise level and its peaks below 1.
ROUND_TRIP_NEAREST = 0.10  # measured: mean 0.018, worst 0.098 over all 1,000 validation digits
ROUND_TRIP_MEAN = 0.03
ROUND_TRIP_BILINEAR = 0.15  # a bilinear enlargement blurs the edges: worst measured 0.11


@pytest.fixture(scope="module")
def mnist_digits() -> np.ndarray:
    """Every fifth validation digit of the bundled mnist-5k (200): 28 x 28 uint8."""
    return load_dataset("mnist-5k").validation.images[::5, :, :, 0]


def enlarge(digit: np.ndarray, resample=Image.Resampling.NEAREST) -> np.ndarray:
    return np.asarray(Image.fromarray(digit).resize((280, 280), resample))


@pytest.mark.parametrize("dark_on_light", [False, True])
def test_a_mnist_digit_drawn_large_comes_back_as_it_was(mnist_digits, dark_on_light):
    differences = []
    for digit in mnist_digits:
        canvas = enlarge(digit)
        prepared = prepare_digit(255 - canvas if dark_on_light else canvas)
        assert prepared.shape == (28, 28) and prepared.dtype == np.float32
        assert prepared.min() >= 0.0 and prepared.max() == pytest.approx(1.0)
        differences.append(float(np.abs(prepared - digit / 255.0).mean()))
    assert max(differences) < ROUND_TRIP_NEAREST, max(differences)
    assert np.mean(differences) < ROUND_TRIP_MEAN, np.mean(differences)


def test_a_bilinear_enlargement_comes_back_closely_too(mnist_digits):
    for digit in mnist_digits[::4]:
        prepared = prepare_digit(enlarge(digit, Image.Resampling.BILINEAR))
        assert np.abs(prepared - digit / 255.0).mean() < ROUND_TRIP_BILINEAR


def test_the_digit_fits_20x20_with_its_centre_of_mass_on_pixel_14():
    canvas = render(STYLES[7]["plain"], width=14, height=230, centre=(60.0, 130.0))
    prepared = prepare_digit(canvas)
    rows = np.flatnonzero(prepared.any(axis=1))
    cols = np.flatnonzero(prepared.any(axis=0))
    assert max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) == 20
    total = prepared.sum()
    centre_y = (prepared.sum(axis=1) * np.arange(28)).sum() / total
    centre_x = (prepared.sum(axis=0) * np.arange(28)).sum() / total
    assert abs(centre_y - 14) <= 0.5 and abs(centre_x - 14) <= 0.5
    # Off-centre, smaller or larger on the canvas: the same 28 x 28 digit (to rounding).
    moved = prepare_digit(render(STYLES[7]["plain"], width=7, height=115, centre=(200.0, 80.0)))
    assert np.abs(moved - prepared).mean() < 0.08


def test_an_empty_or_nearly_empty_canvas_is_none_either_polarity():
    black = np.zeros((280, 280), dtype=np.uint8)
    white = np.full((280, 280), 255, dtype=np.uint8)
    for canvas in (black, white, black.astype(np.float32), np.full((280, 280), 0.9)):
        assert prepare_digit(canvas) is None
        assert ink_fraction(canvas) == 0.0
    dot = black.copy()
    dot[100:104, 100:104] = 255  # a stray click: 16 pixels
    assert prepare_digit(dot) is None
    assert 0.0 < ink_fraction(dot) < 0.001
    stroke = black.copy()
    stroke[60:220, 136:144] = 255
    assert prepare_digit(stroke) is not None
    assert ink_fraction(stroke) == pytest.approx(160 * 8 / 280**2)


def test_polarity_is_detected_from_the_background_and_gives_the_same_digit():
    light = render(STYLES[4]["open"], width=12)
    dark = render(STYLES[4]["open"], width=12, dark_on_light=True)
    assert not is_dark_on_light(light) and is_dark_on_light(dark)
    np.testing.assert_allclose(prepare_digit(dark), prepare_digit(light), atol=1e-3)
    # Told the polarity, the answer is the same; told the wrong one, there is no digit.
    np.testing.assert_allclose(prepare_digit(dark, dark_on_light=True), prepare_digit(dark))
    assert prepare_digit(dark, dark_on_light=False) is None
    # Grey paper and grey ink (a photo), floats or bytes, colour or grey: the same digit.
    photo = (0.35 + 0.45 * (dark / 255.0)).astype(np.float32)
    np.testing.assert_allclose(prepare_digit(photo), prepare_digit(light), atol=0.05)
    rgb = np.repeat(light[..., None], 3, axis=-1)
    np.testing.assert_allclose(prepare_digit(rgb), prepare_digit(light), atol=1e-5)


def test_a_digit_touching_the_border_stays_whole():
    canvas = np.zeros((280, 280), dtype=np.uint8)
    canvas[0:280, 0:30] = 255  # a 1 drawn along the left edge, top to bottom
    prepared = prepare_digit(canvas)
    assert prepared is not None and prepared.sum() == pytest.approx(20 * 2, rel=0.01)
    assert prepared[:, 0].sum() == 0 and prepared[:, -1].sum() == 0


def test_fit_to_input_pads_for_lenet5_and_resizes_otherwise_as_training_did():
    import tensorflow as tf

    from cnnstudio.engine.data.pipeline import fit_images, plan_fit

    digit = prepare_digit(render(STYLES[2]["curved"], width=12))
    padded = fit_to_input(digit, (32, 32, 1))
    assert padded.shape == (32, 32, 1) and padded.dtype == np.float32
    np.testing.assert_array_equal(padded[2:30, 2:30, 0], digit)
    assert padded[:2].sum() == 0 and padded[30:].sum() == 0
    as_bytes = np.round(digit * 255).astype(np.uint8)[None, :, :, None]
    for shape in [(32, 32, 3), (64, 64, 3), (48, 40, 1), (24, 24, 1)]:
        fitted = fit_to_input(as_bytes[0, :, :, 0] / 255.0, shape)
        expected = fit_images(tf.constant(as_bytes), plan_fit((28, 28, 1), shape))[0].numpy()
        assert fitted.shape == shape
        np.testing.assert_allclose(fitted, expected, atol=1e-5)
    np.testing.assert_allclose(resize_bilinear(digit, 28, 28), digit, atol=1e-6)


def test_load_canvas_reads_any_format_and_either_polarity(tmp_path):
    light = render(STYLES[5]["one stroke"], width=12)
    reference = prepare_digit(light)
    Image.fromarray(255 - light).save(tmp_path / "dark.png")
    Image.fromarray(light).convert("RGB").resize((560, 560)).save(tmp_path / "big.jpg", quality=90)
    Image.fromarray(light).resize((40, 40), Image.Resampling.BOX).save(tmp_path / "small.bmp")
    Image.fromarray(light.astype(np.uint16) * 257).save(tmp_path / "sixteen_bit.png")  # I;16
    # Black strokes on transparency, as some programs save a drawing.
    rgba = np.zeros((280, 280, 4), dtype=np.uint8)
    rgba[..., 3] = light
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "transparent.png")
    cases = [("dark.png", 1e-6), ("big.jpg", 0.05), ("transparent.png", 0.01)]
    for name, tolerance in [*cases, ("sixteen_bit.png", 1e-6)]:
        prepared = prepare_digit(load_canvas(tmp_path / name))
        assert np.abs(prepared - reference).mean() < tolerance, name
    assert np.abs(prepare_digit(load_canvas(tmp_path / "small.bmp")) - reference).mean() < 0.1
    Image.new("L", (5, 5)).save(tmp_path / "tiny.png")
    with pytest.raises(ImageTooSmall, match="5x5 pixels is too small"):
        load_canvas(tmp_path / "tiny.png")
