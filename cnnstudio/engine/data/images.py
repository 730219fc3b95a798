"""The one way CNN Studio reads an image file: image folders, `predict` and the drawing pad.

Every image file is untrusted input, so before Pillow sees it:

* only a regular file is opened (a FIFO would block for ever; a device, a socket or a folder is
  refused), links are followed once, and a link loop or a dangling link is its own reason;
* an empty file, a file we may not read, a missing file each get their own few words;
* the size in the header is checked against `MAX_PIXELS` before anything is decoded, and a
  large JPEG is decoded at a reduced scale (`draft`), other formats reduced right after
  decoding, so a 12,000 x 12,000 photo costs what the model needs, not gigabytes;
* pixels are scaled by the image's bit depth: 16-bit grey (PNG `I;16`, `I`) and float images
  become 0..255 in proportion, not clipped to white as Pillow's `convert("L")` does.

A refusal is an `ImageReadError` with a stable `code`, the path and values; `str()` of it is
the sentence, in the person's language.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from cnnstudio.i18n import _

# Pixels (width x height) above which an image is refused before decoding: 16,384 x 16,384
# is larger than any camera's photo; a bigger header is a decompression bomb or a mistake.
MAX_PIXELS = 16_384 * 16_384
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_WIDE_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def _raise_pillows_own_limit() -> None:
    """Pillow refuses images above twice its own limit (179 million pixels) at `open`, before
    the size is known; ours is checked from the header with the size in the message, so
    Pillow's is moved well above it."""
    from PIL import Image

    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < 4 * MAX_PIXELS:
        Image.MAX_IMAGE_PIXELS = 4 * MAX_PIXELS


class ImageReadError(ValueError):
    """An image file that cannot be read, with the reason as a `code` and its values."""

    def __init__(self, code: str, path: str | os.PathLike[str], **values: Any) -> None:
        self.code = code
        self.path = str(path)
        self.values = values
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """The reason in a few words, without the path (lists put the path before it)."""
        v = self.values
        texts = {
            "not_found": _("no such file"),
            "dangling_link": _("a link to a file that does not exist"),
            "link_loop": _("a link that points back to itself (a loop)"),
            "permission_denied": _("permission denied"),
            "is_folder": _("a folder, not an image file"),
            "not_regular": _("not a regular file ({kind}); only image files are read"),
            "empty": _("empty file"),
            "unknown_format": _("not a readable image (unknown or corrupt format)"),
            "truncated": _("truncated image ({detail})"),
            "corrupt": _("corrupt image ({detail})"),
            "too_large": _(
                "image too large: {width}x{height} pixels; at most {limit} million pixels are read"
            ),
            "unreadable": _("cannot be read ({detail})"),
        }
        template = texts.get(self.code, texts["unreadable"])
        return template.format(**{"kind": "", "detail": "", **v})

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def check_regular_file(path: str | os.PathLike[str]) -> os.stat_result:
    """The file's status when it is a regular file we may read; ImageReadError otherwise."""
    path = Path(path)
    try:
        status = path.stat()  # follows links
    except FileNotFoundError:
        code = "dangling_link" if path.is_symlink() else "not_found"
        raise ImageReadError(code, path) from None
    except PermissionError:
        raise ImageReadError("permission_denied", path) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ImageReadError("link_loop", path) from None
        raise ImageReadError("unreadable", path, detail=error.strerror or str(error)) from None
    if stat.S_ISDIR(status.st_mode):
        raise ImageReadError("is_folder", path)
    if not stat.S_ISREG(status.st_mode):
        kind = (
            _("a named pipe")
            if stat.S_ISFIFO(status.st_mode)
            else _("a socket")
            if stat.S_ISSOCK(status.st_mode)
            else _("a device")
        )
        raise ImageReadError("not_regular", path, kind=kind)
    if status.st_size == 0:
        raise ImageReadError("empty", path)
    return status


@contextlib.contextmanager
def open_image(path: str | os.PathLike[str]) -> Iterator[Any]:
    """A Pillow image of a checked regular file, its header read and its size within
    `MAX_PIXELS`; errors of every kind become ImageReadError."""
    from PIL import Image, UnidentifiedImageError

    check_regular_file(path)
    _raise_pillows_own_limit()
    try:
        with warnings.catch_warnings():
            # Our own limit is checked below; Pillow's warning would reach the terminal raw.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except PermissionError:
        raise ImageReadError("permission_denied", path) from None
    except UnidentifiedImageError:
        raise ImageReadError("unknown_format", path) from None
    except Image.DecompressionBombError:
        raise ImageReadError(
            "too_large", path, width="?", height="?", limit=_megapixels()
        ) from None
    except OSError as error:
        raise ImageReadError("unreadable", path, detail=error.strerror or str(error)) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageReadError("too_large", path, width=width, height=height, limit=_megapixels())
        yield image


def _megapixels() -> int:
    return MAX_PIXELS // 1_000_000


def probe(path: str | os.PathLike[str]) -> tuple[tuple[int, int], bool]:
    """((width, height), grey?) from the header alone."""
    with open_image(path) as image:
        return image.size, image.mode in GRAY_MODES


def read_pixels(
    path: str | os.PathLike[str],
    mode: str,
    size: tuple[int, int] | None = None,
    check: Callable[[tuple[int, int]], None] | None = None,
) -> np.ndarray:
    """The image as uint8 (height, width, channels): `mode` "L" (1 channel) or "RGB" (3),
    resized (bilinear) to `size` = (width, height) when given. Decoded at a reduced scale
    where the format allows it. `check((width, height))` runs on the header's size before
    anything is decoded (a caller's own refusal, such as an image too small to read)."""
    from PIL import Image

    with open_image(path) as image:
        if check is not None:
            check(image.size)
        try:
            if size is not None and image.format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale, never below `size`.
                image.draft(mode, size)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image.load()  # decode now: a corrupt or truncated file fails here
            image = _shrink(image, size)
            image = to_8bit(image)
            if image.mode in ("P", "PA") and mode == "RGB":
                image = image.convert("RGBA")  # keeps a GIF's transparent palette entry sane
            if image.mode != mode:
                image = image.convert(mode)
            if size is not None and image.size != size:
                image = image.resize(size, Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
        except ImageReadError:
            raise
        except Exception as error:  # Pillow raises many types for bad pixel data
            raise describe_decode_error(path, error) from None
    return pixels.reshape(pixels.shape[0], pixels.shape[1], -1)


def _shrink(image: Any, size: tuple[int, int] | None) -> Any:
    """Reduce by a whole factor while both sides stay at least twice `size`: a cheap box
    filter that keeps the final bilinear resize from aliasing and memory small."""
    if size is None:
        return image
    factor = min(image.size[0] // max(1, 2 * size[0]), image.size[1] // max(1, 2 * size[1]))
    if factor >= 2 and image.mode not in ("P", "PA", "1"):
        return image.reduce(factor)
    return image


def to_8bit(image: Any) -> Any:
    """16-bit, 32-bit and float grey images as 8-bit "L", scaled by their bit depth."""
    from PIL import Image

    if image.mode not in _WIDE_MODES:
        return image
    values = np.asarray(image, dtype=np.float64)
    if image.mode == "F":
        # Float images: [0, 1] (the usual convention) or already 0..255.
        scale = 255.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 1.0
    elif image.mode.startswith("I;16") or image.format == "PNG":
        scale = 255.0 / 65535.0  # PNG's "I" is 16-bit grey too
    else:
        peak = float(values.max(initial=0.0))
        scale = 1.0 if peak <= 255 else 255.0 / (65535.0 if peak <= 65535 else peak)
    grey = np.clip(np.nan_to_num(values * scale), 0, 255).round().astype(np.uint8)
    return Image.fromarray(grey, mode="L")


def describe_decode_error(path: str | os.PathLike[str], error: Exception) -> ImageReadError:
    from PIL import Image, UnidentifiedImageError

    if isinstance(error, UnidentifiedImageError):
        return ImageReadError("unknown_format", path)
    if isinstance(error, Image.DecompressionBombError):
        return ImageReadError("too_large", path, width="?", height="?", limit=_megapixels())
    if isinstance(error, PermissionError):
        return ImageReadError("permission_denied", path)
    text = str(error) or type(error).__name__
    if "truncated" in text.lower():
        return ImageReadError("truncated", path, detail=text)
    return ImageReadError("corrupt", path, detail=text)


def reason_of(path: str | os.PathLike[str], error: Exception) -> str:
    """A few words for any error met while reading `path` as an image."""
    if isinstance(error, ImageReadError):
        return error.reason
    return describe_decode_error(path, error).reason
