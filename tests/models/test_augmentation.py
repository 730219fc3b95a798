"""RandomAffine: one resampling for shift, rotation, zoom, crop and flip."""

import keras
import numpy as np
import pytest

from cnnstudio.models.augmentation import RandomAffine


def digit_batch(count: int = 64) -> np.ndarray:
    """`count` copies of an asymmetric pattern on a 16 x 16 zero background, float32."""
    rng = np.random.default_rng(0)
    image = np.zeros((16, 16, 1), np.float32)
    image[4:12, 5:11, 0] = rng.uniform(0.2, 1.0, (8, 6))
    return np.repeat(image[np.newaxis], count, axis=0)


def shifted(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """`image` moved by whole pixels (content at (x, y) comes from (x + dx, y + dy)), zeros in."""
    height, width = image.shape[:2]
    padded = np.pad(image, ((height, height), (width, width), (0, 0)))
    return padded[height + dy : 2 * height + dy, width + dx : 2 * width + dx]


def test_outside_training_and_with_nothing_to_do_it_returns_the_images_unchanged():
    images = digit_batch(8)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(RandomAffine(shift=0.2, rotation=30)(images, training=False)),
        images,
    )
    identity = keras.ops.convert_to_numpy(RandomAffine(seed=1)(images, training=True))
    np.testing.assert_allclose(identity, images, atol=1e-6)


def test_a_crop_is_an_exact_whole_pixel_shift_drawn_per_image():
    images = digit_batch()
    out = keras.ops.convert_to_numpy(RandomAffine(crop=2, seed=3)(images, training=True))
    offsets = set()
    for result in out:
        matches = [
            (dx, dy)
            for dx in range(-2, 3)
            for dy in range(-2, 3)
            if np.allclose(result, shifted(images[0], dx, dy), atol=1e-5)
        ]
        assert len(matches) == 1, "every crop is one of the 25 whole-pixel shifts"
        offsets.add(matches[0])
    assert len(offsets) > 10


def test_a_flip_mirrors_about_half_the_images_exactly():
    images = digit_batch()
    out = keras.ops.convert_to_numpy(RandomAffine(flip=True, seed=4)(images, training=True))
    mirrored = images[0, :, ::-1]
    flips = [bool(np.allclose(result, mirrored, atol=1e-5)) for result in out]
    kept = [bool(np.allclose(result, images[0], atol=1e-5)) for result in out]
    assert all(f != k for f, k in zip(flips, kept, strict=True))
    assert 16 <= sum(flips) <= 48


def test_the_drawn_maps_stay_within_the_asked_amounts():
    images = digit_batch(512)
    layer = RandomAffine(shift=0.1, rotation=10.0, zoom=0.2, seed=5)
    maps = keras.ops.convert_to_numpy(layer.random_transforms(keras.ops.convert_to_tensor(images)))
    a0, a1, a2, b0, b1, b2 = (maps[:, i] for i in range(6))
    scale = np.sqrt(a0 * b1 - a1 * b0)  # rotations keep areas: the determinant is scale^2
    angle = np.degrees(np.arctan2(b0, a0))
    assert 0.8 - 1e-5 <= scale.min() < 0.85 and 1.15 < scale.max() <= 1.2 + 1e-5
    assert -10 - 1e-4 <= angle.min() < -8 and 8 < angle.max() <= 10 + 1e-4
    # The image centre lands within the shift of itself.
    centre = 7.5
    dx, dy = a0 * centre + a1 * centre + a2 - centre, b0 * centre + b1 * centre + b2 - centre
    assert np.abs(dx).max() <= 1.6 + 1e-4 and np.abs(dy).max() <= 1.6 + 1e-4
    assert np.abs(dx).max() > 1.2
    np.testing.assert_array_equal(maps[:, 6:], 0.0)


def test_a_seed_repeats_the_stream_and_each_call_draws_anew():
    images = digit_batch(16)

    def two_calls(seed):
        layer = RandomAffine(shift=0.1, rotation=10, zoom=0.1, seed=seed)
        return [keras.ops.convert_to_numpy(layer(images, training=True)) for _ in range(2)]

    first, second = two_calls(7)
    again, _ = two_calls(7)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, second)
    # Shift, rotation and zoom move the pattern but keep its ink roughly (bilinear, zero fill).
    assert abs(first.sum() / images.sum() - 1.0) < 0.25


def test_it_round_trips_through_its_config():
    layer = RandomAffine(shift=0.1, rotation=5, zoom=0.1, crop=2, flip=True, seed=9, name="aug")
    clone = RandomAffine.from_config(layer.get_config())
    assert (clone.shift, clone.rotation, clone.zoom, clone.crop, clone.flip, clone.seed) == (
        0.1,
        5.0,
        0.1,
        2,
        True,
        9,
    )
    with pytest.raises(ValueError, match="unknown"):
        RandomAffine(unknown=1)
