"""Pixels for the screen: NumPy image arrays (what the engine reads and keeps) as QImages.

Image files are never given to Qt's own loader (DESIGN: every read untrusted); the engine reads
them (`cnnstudio.engine.data.images`) and the views paint the arrays it returns.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(image: np.ndarray) -> QImage:
    """(H, W, 1) or (H, W, 3) uint8 -> a QImage that owns its pixels."""
    image = np.ascontiguousarray(image)
    height, width = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    if channels == 1:
        data = np.ascontiguousarray(image.reshape(height, width))
        qimage = QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        data = np.ascontiguousarray(image[..., :3])
        qimage = QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return qimage.copy()  # detach from the NumPy buffer, which may be freed
