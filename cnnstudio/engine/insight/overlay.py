"""Maps drawn over images: one colour scale and one blend, for the command line's PNGs and the
app's views alike, so a map looks the same wherever a person meets it.

`heat_overlay(image, heat)` greys and dims the image (the map's colours must not mix with the
image's) and lays the map on top, its opacity growing with its value, so the places the model
ignores show the image in grey.
"""

from __future__ import annotations

import numpy as np

# A warm scale from dark red through orange to pale yellow: ordered in lightness, so it reads in
# grey print and by people with the common colour-vision deficiencies (unlike jet's rainbow).
_ANCHORS = np.array([[0.20, 0.0, 0.05], [0.75, 0.10, 0.05], [1.0, 0.55, 0.0], [1.0, 0.95, 0.55]])
MAX_OPACITY = 0.8
# The image under a map is dimmed to this brightness, so a white stroke does not wash out the
# colours laid on it (pytorch-grad-cam halves it; a little more keeps the digit readable).
BASE_BRIGHTNESS = 0.6


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """(H, W) values in [0, 1] -> (H, W, 3) float RGB in [0, 1] along the scale."""
    heat = np.clip(np.nan_to_num(np.asarray(heat, np.float64)), 0.0, 1.0)
    steps = heat * (len(_ANCHORS) - 1)
    low = np.minimum(np.floor(steps).astype(int), len(_ANCHORS) - 2)
    share = (steps - low)[..., np.newaxis]
    return _ANCHORS[low] * (1 - share) + _ANCHORS[low + 1] * share


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W, C) in [0, 1] (C: 1 or 3; more are averaged) -> (H, W, 3) float in [0, 1]."""
    image = np.clip(np.nan_to_num(np.asarray(image, np.float64)), 0.0, 1.0)
    if image.ndim == 2:
        image = image[..., np.newaxis]
    if image.shape[-1] == 3:
        return image
    grey = image.mean(axis=-1, keepdims=True)
    return np.repeat(grey, 3, axis=-1)


def heat_overlay(image: np.ndarray, heat: np.ndarray, opacity: float = MAX_OPACITY) -> np.ndarray:
    """A uint8 (H, W, 3) picture: `image` ((H, W, C) in [0, 1]) in grey, `heat` ((H, W) in
    [0, 1]) on top, opaque in proportion to its value."""
    base = BASE_BRIGHTNESS * as_rgb(image).mean(axis=-1, keepdims=True).repeat(3, axis=-1)
    heat = np.clip(np.nan_to_num(np.asarray(heat, np.float64)), 0.0, 1.0)
    if heat.shape != base.shape[:2]:
        raise ValueError(f"map {heat.shape} and image {base.shape[:2]} differ in size")
    # The square root lifts the middle of the map: half the peak is drawn at 70 % of its opacity.
    alpha = opacity * np.sqrt(heat)[..., np.newaxis]
    blended = (1 - alpha) * base + alpha * heat_colours(heat)
    return np.rint(255 * np.clip(blended, 0, 1)).astype(np.uint8)


def as_uint8(image: np.ndarray) -> np.ndarray:
    """(H, W, C) in [0, 1] -> uint8 RGB (H, W, 3), for showing the input as it was explained."""
    return np.rint(255 * as_rgb(image)).astype(np.uint8)


def mosaic(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """(n, h, w, 1 or 3) in [0, 1] -> one uint8 RGB picture, `columns` to a row, `gap` pixels of
    mid grey between them (a convolution's filters as one image)."""
    images = np.asarray(images, np.float64)
    count, height, width = images.shape[:3]
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    sheet = np.full(
        (rows * (height + gap) - gap, columns * (width + gap) - gap, 3), 0.5, np.float64
    )
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        sheet[top : top + height, left : left + width] = as_rgb(images[index])
    return np.rint(255 * sheet).astype(np.uint8)
