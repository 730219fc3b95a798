"""A drawing (or a photo of a digit) -> the 28 x 28 image MNIST would have made of it.

NumPy and Pillow only (no TensorFlow): the drawing pad calls it on every stroke, well under 2 ms
for a 280 x 280 canvas. The recipe is MNIST's own (LeCun, Cortes and Burges, "The MNIST database
of handwritten digits"): "the images were size normalized to fit in a 20x20 pixel box while
preserving their aspect ratio ... [with] grey levels as a result of the anti-aliasing technique
used by the normalization algorithm. The images were centered in a 28x28 image by computing the
center of mass of the pixels, and translating the image so as to position this point at the
center of the 28x28 field." So:

1. grey levels in [0, 1]; the polarity is detected from the border (the background) unless
   given, and turned into a light digit on black, MNIST's; the background level (grey paper, a
   photo) is subtracted and the ink stretched to reach 1 (a thin pen, shrunk, stays visible);
2. the bounding box of the ink, scaled (Pillow, anti-aliased) so that its longer side is 20;
3. pasted into 28 x 28 at the whole-pixel offset that puts its centre of mass nearest to pixel
   (14, 14), where MNIST's are, kept inside the field.

`fit_to_input` then makes that the model's input exactly as the training pipeline made MNIST
the model's input (`pipeline.plan_fit`): zero padding, centred, when the input is 28 to 35
pixels (LeNet-5's 32 x 32), a bilinear resize otherwise (`tf.image.resize`'s half-pixel rule),
the grey channel repeated for a three-channel model; float32 in [0, 1]. Standardisation, where a
run used it, is a layer inside the model (`recipe.with_input_standardization`).
"""

from __future__ import annotations

import numpy as np

from cnnstudio.engine.data.pipeline import plan_fit
from cnnstudio.i18n import _

MNIST_SIDE = 28
DIGIT_BOX = 20  # the longer side of the digit inside the 28 x 28 field
CANVAS_LIMIT = 1024  # pixels: a loaded picture is reduced to this on its longer side
# A pixel is ink when it is at least this far from the background (0..1).
INK_LEVEL = 0.5
# Below this share of ink pixels the canvas counts as empty: a dot, a stray click. On a 280 x 280
# canvas it is 78 pixels, less than one short stroke of the thinnest pen.
MIN_INK_FRACTION = 0.001
# Grey levels this close to the background are noise (JPEG artefacts, paper texture) and dropped.
NOISE_LEVEL = 0.08


def to_grey(canvas: np.ndarray) -> np.ndarray:
    """H x W (x 1, 3 or 4) uint8 0..255 or float 0..1 -> H x W float32 in [0, 1].

    Colour uses the ITU-R BT.601 luminance weights, as the pipeline does; alpha is dropped.
    """
    pixels = np.asarray(canvas)
    if pixels.ndim == 3 and pixels.shape[-1] in (1, 3, 4):
        if pixels.shape[-1] == 1:
            pixels = pixels[..., 0]
        else:
            pixels = pixels[..., :3].astype(np.float32) @ np.float32([0.299, 0.587, 0.114])
    if pixels.ndim != 2 or min(pixels.shape) < 1:
        raise ValueError(
            _("a canvas is a height x width grey image; received an array of shape {shape}").format(
                shape=pixels.shape
            )
        )
    if np.issubdtype(pixels.dtype, np.integer) or pixels.max(initial=0) > 1.0:
        return pixels.astype(np.float32) / np.float32(255.0)
    return pixels.astype(np.float32, copy=False)


def background_level(grey: np.ndarray) -> float:
    """The background's grey level: the median of the one-pixel border (a digit may touch the
    border, but rarely most of it)."""
    border = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    return float(np.median(border))


def is_dark_on_light(canvas: np.ndarray) -> bool:
    """Whether the canvas holds a dark digit on a light background (ink on paper)."""
    return background_level(to_grey(canvas)) > 0.5


def ink_map(canvas: np.ndarray, *, dark_on_light: bool | None = None) -> np.ndarray:
    """H x W float32: 0 for the background, up to 1 for full ink, whichever the polarity."""
    grey = to_grey(canvas)
    if dark_on_light is None:
        dark_on_light = background_level(grey) > 0.5
    ink = 1.0 - grey if dark_on_light else grey
    background = background_level(ink)
    if background > 0.0:  # grey paper or a dim screen: its level becomes 0
        ink = (ink - background) / max(1.0 - background, 1e-6)
    ink = np.clip(ink, 0.0, 1.0)
    ink[ink < NOISE_LEVEL] = 0.0
    return ink.astype(np.float32, copy=False)


def ink_fraction(canvas: np.ndarray) -> float:
    """The share of pixels that are ink, either polarity (0.0 for an empty canvas)."""
    ink = ink_map(canvas)
    return float(np.count_nonzero(ink >= INK_LEVEL)) / ink.size


def prepare_digit(canvas: np.ndarray, *, dark_on_light: bool | None = None) -> np.ndarray | None:
    """The canvas as MNIST would have it: 28 x 28 float32 in [0, 1], a light digit on black.

    canvas: H x W grey (or H x W x 1/3/4), uint8 0..255 or float 0..1, any size, either polarity
    (`dark_on_light=None`: detected from the border). None when the canvas is nearly empty
    (less than `MIN_INK_FRACTION` of it is ink).
    """
    ink = ink_map(canvas, dark_on_light=dark_on_light)
    if np.count_nonzero(ink >= INK_LEVEL) < max(1.0, MIN_INK_FRACTION * ink.size):
        return None
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    box = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    digit = _fit_box(box, DIGIT_BOX)
    peak = float(digit.max())
    if peak <= 0.0:
        return None
    digit /= peak  # a thin pen, shrunk, would otherwise be grey: MNIST's strokes reach 1
    return _centre_by_mass(digit, MNIST_SIDE)


def _fit_box(box: np.ndarray, side: int) -> np.ndarray:
    """Scale `box` so that its longer side is `side`, keeping the aspect ratio; anti-aliased
    (Pillow's bilinear filter widens with the reduction, so it averages every source pixel)."""
    from PIL import Image

    height, width = box.shape
    scale = side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # Pillow: (w, h)
    if size == (width, height):
        return box.astype(np.float32, copy=True)
    image = Image.fromarray(box.astype(np.float32, copy=False), mode="F")
    resized = image.resize(size, Image.Resampling.BILINEAR)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _centre_by_mass(digit: np.ndarray, side: int) -> np.ndarray:
    """Paste `digit` into a side x side black field with its centre of mass at the centre (to the
    nearest pixel), never cutting it off."""
    height, width = digit.shape
    total = float(digit.sum())
    centre_y = float((digit.sum(axis=1) * np.arange(height)).sum()) / total
    centre_x = float((digit.sum(axis=0) * np.arange(width)).sum()) / total
    # MNIST's centre of mass sits on pixel 14 (measured on the bundled mnist-5k: rows 13.99
    # +- 0.29, columns 14.00 +- 0.29), i.e. side / 2, not the geometric 13.5.
    middle = side / 2.0
    top = int(np.clip(round(middle - centre_y), 0, side - height))
    left = int(np.clip(round(middle - centre_x), 0, side - width))
    field = np.zeros((side, side), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field


def fit_to_input(digit: np.ndarray, input_shape: tuple[int, int, int]) -> np.ndarray:
    """A 28 x 28 digit (from `prepare_digit`) -> the model's H x W x C float32 in [0, 1], fitted
    as the training pipeline fits MNIST (`pipeline.plan_fit`: pad 28 -> 32 for LeNet-5, resize
    otherwise, channels repeated)."""
    digit = np.asarray(digit, dtype=np.float32)
    if digit.ndim == 3 and digit.shape[-1] == 1:
        digit = digit[..., 0]
    if digit.ndim != 2:
        raise ValueError(
            _("a digit is a height x width image; received shape {shape}").format(shape=digit.shape)
        )
    height, width, channels = (int(v) for v in input_shape)
    plan = plan_fit((*digit.shape, 1), (height, width, channels))
    if plan.spatial == "pad":
        top, left = (height - digit.shape[0]) // 2, (width - digit.shape[1]) // 2
        fitted = np.zeros((height, width), dtype=np.float32)
        fitted[top : top + digit.shape[0], left : left + digit.shape[1]] = digit
    elif plan.spatial == "resize":
        fitted = resize_bilinear(digit, height, width)
    else:
        fitted = digit.copy()
    return np.repeat(fitted[..., np.newaxis], channels, axis=-1)


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """H x W -> height x width, as `tf.image.resize(..., "bilinear")` does it (half-pixel centres,
    no anti-aliasing), so that a resized input is the one training made."""

    def axis(source: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = (np.arange(target, dtype=np.float64) + 0.5) * (source / target) - 0.5
        position = np.clip(position, 0.0, source - 1)
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, source - 1)
        return low, high, (position - low).astype(np.float32)

    top, bottom, dy = axis(image.shape[0], height)
    left, right, dx = axis(image.shape[1], width)
    upper = image[top][:, left] * (1 - dx) + image[top][:, right] * dx
    lower = image[bottom][:, left] * (1 - dx) + image[bottom][:, right] * dx
    return (upper * (1 - dy[:, None]) + lower * dy[:, None]).astype(np.float32)


class ImageTooSmall(ValueError):
    """An image too small to say anything about: blown up to a model's input, a 1x1 image is
    one flat colour, and its "prediction" would be a confident-looking number about nothing.
    (Raised here and by `inference.Predictor`.)"""


MIN_IMAGE_SIDE = 8  # pixels; a 28 x 28 MNIST digit's strokes need at least this many


def load_canvas(path) -> np.ndarray:
    """An image file Pillow reads (any size and format; a GIF's first frame) -> H x W float32
    grey in [0, 1], either polarity, as the pad's canvas would hold it.

    A transparent background (strokes saved on nothing) is filled with the opposite of the
    ink's shade, so dark strokes on transparency read as dark on white. A photo's EXIF rotation
    is applied. Raises Pillow's errors for unreadable files, `ImageTooSmall` for tiny ones.
    """
    from PIL import ImageOps

    from cnnstudio.engine.data.images import open_image, to_8bit

    with open_image(path) as image:  # a regular file of a sane size, or ImageReadError
        image.draft("L", (CANVAS_LIMIT, CANVAS_LIMIT))  # a large JPEG decodes at 1/2 ... 1/8
        image.load()  # decode now: a corrupt or truncated file fails here, with Pillow's reason
        if min(image.size) < MIN_IMAGE_SIDE:
            raise ImageTooSmall(
                _(
                    "{value}x{value2} pixels is too small to hold a digit; give at least "
                    "{MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}"
                ).format(value=image.size[1], value2=image.size[0], MIN_IMAGE_SIDE=MIN_IMAGE_SIDE)
            )
        image = ImageOps.exif_transpose(image)
        # The digit becomes 20 x 20 pixels: a photo's full resolution only costs memory.
        image.thumbnail((CANVAS_LIMIT, CANVAS_LIMIT))
        # 16-bit grey (scanners, some PNGs): Pillow's convert("L") would clip it to white.
        image = to_8bit(image)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        rgba = image.convert("RGBA") if has_alpha else None
        grey = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    if rgba is not None:
        alpha = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        if alpha.min() < 1.0:
            weight = float(alpha.sum())
            ink_is_dark = weight > 0 and float((grey * alpha).sum()) / weight < 0.5
            background = 1.0 if ink_is_dark else 0.0
            grey = alpha * grey + (1.0 - alpha) * background
    return grey
