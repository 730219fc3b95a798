"""Pictures for the pad: an image file read as the command line reads it, and dropped files.

`read_picture` goes through the engine's own `load_canvas` (Pillow: any size and format, EXIF
rotation, strokes saved on transparency), so a picture on the pad holds the very pixels
`cnnstudio predict` reads from the same file, and fails with the same reasons. The pad keeps
it light on dark like its strokes (a dark-on-light picture is inverted; the border says which).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


class PictureError(ValueError):
    """A file the pad cannot show; str() is the reason, for the person."""


def read_picture(path: str | Path) -> QImage:
    """The picture as a grey QImage, light on dark; PictureError says why it cannot be."""
    from cnnstudio.engine.use.digit_preprocessing import load_canvas
    from cnnstudio.engine.use.inference import image_error_reason

    try:
        grey = load_canvas(path)
    except Exception as error:  # Pillow's errors are many (OSError, ValueError, a bomb...)
        raise PictureError(image_error_reason(error)) from None
    pixels = np.clip(np.asarray(grey) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    if border.mean() > 127:  # dark on light
        pixels = 255 - pixels
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The first local image file among a drag's URLs, if any."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    files = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
    return next((path for path in files if path.suffix.lower() in IMAGE_SUFFIXES), None)
