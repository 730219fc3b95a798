"""RandomStroke: thicker and thinner strokes, a grey-level dilation or erosion per image."""

import keras
import numpy as np

from cnnstudio.models.augmentation import RandomStroke


def strokes(count: int = 64) -> np.ndarray:
    """`count` copies of a 3-pixel-wide light cross on black, 16 x 16, float32."""
    image = np.zeros((16, 16, 1), np.float32)
    image[3:13, 7:10, 0] = 1.0
    image[7:10, 3:13, 0] = 1.0
    return np.repeat(image[np.newaxis], count, axis=0)


def test_outside_training_or_at_zero_it_returns_the_images_unchanged():
    images = strokes(4)
    out = RandomStroke(1.0, seed=0)(images, training=False)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), images)
    out = RandomStroke(0.0, seed=0)(images, training=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), images)


def test_each_image_gets_thicker_or_thinner_strokes_within_a_pixel():
    images = strokes()
    out = keras.ops.convert_to_numpy(RandomStroke(1.0, seed=5)(images, training=True))
    dilated = keras.ops.convert_to_numpy(keras.ops.max_pool(images, 3, 1, "same"))
    eroded = -keras.ops.convert_to_numpy(keras.ops.max_pool(-images, 3, 1, "same"))
    ink = out.sum(axis=(1, 2, 3))
    assert (ink > images[0].sum() + 1).sum() >= 16  # thicker
    assert (ink < images[0].sum() - 1).sum() >= 16  # thinner
    assert np.all(out >= eroded - 1e-6) and np.all(out <= dilated + 1e-6)
    assert out.min() >= 0.0 and out.max() <= 1.0
    # Each image is one blend: between itself and its dilation, or itself and its erosion.
    for result in out:
        towards = dilated[0] if result.sum() > images[0].sum() else eroded[0]
        change = towards - images[0]
        t = (result - images[0]).sum() / change.sum()
        np.testing.assert_allclose(result, images[0] + t * change, atol=1e-5)
        assert 0.0 <= t <= 1.0


def test_it_saves_and_loads_with_its_settings(tmp_path):
    inputs = keras.Input((16, 16, 1))
    model = keras.Model(inputs, RandomStroke(0.5, seed=2, name="stroke")(inputs))
    model.save(tmp_path / "m.keras")
    layer = keras.models.load_model(tmp_path / "m.keras", safe_mode=True).get_layer("stroke")
    assert isinstance(layer, RandomStroke) and (layer.amount, layer.seed) == (0.5, 2)
