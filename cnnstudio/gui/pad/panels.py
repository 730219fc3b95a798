"""Beside the pad: the image the model receives, and its answer as probability bars.

`PreparedView` shows `Recognition.prepared` (32 x 32 for LeNet-5) enlarged with nearest
neighbour and a faint pixel grid, so the person sees the pixels the network gets. `AnswerPanel`
shows the verdict in words (the top class and its confidence, or the recognizer's "not sure" or
"draw a digit" message), one bar per class with the top three marked, and their percentages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from cnnstudio.i18n import _

TOP_COLOURS = (QColor("#1f77b4"), QColor("#5aa0d6"), QColor("#9cc5e8"))
OTHER_COLOUR = QColor("#c8c8c8")


def percent(probability: float) -> str:
    """99.9%, 0.4%, and <0.1% rather than a misleading 0.0% for a class that is merely unlikely."""
    if 0 < probability < 0.0005:
        return "<0.1%"
    return f"{100 * probability:.1f}%"


def grey_image(pixels: np.ndarray) -> QImage:
    """An H x W (x C) float [0, 1] array as a grey QImage (channel 0), owning its bytes."""
    plane = pixels[..., 0] if pixels.ndim == 3 else pixels
    data = np.ascontiguousarray(np.clip(plane * 255.0 + 0.5, 0, 255).astype(np.uint8))
    height, width = data.shape
    return QImage(data.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


class PreparedView(QWidget):
    """The model's input, enlarged: nearest neighbour, a faint grid between pixels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padPreparedView")
        self.setAccessibleName(_("What the model receives"))
        self.setMinimumSize(128, 128)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.pixels: np.ndarray | None = None
        self.heat: np.ndarray | None = None
        self._image: QImage | None = None
        self._grid_key: tuple[int, int, int] | None = None
        self._grid_image = QImage()

    def sizeHint(self) -> QSize:
        return QSize(192, 192)

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        self.pixels = pixels
        self.heat = None
        self._image = None if pixels is None else grey_image(pixels)
        if pixels is not None:
            height, width = pixels.shape[:2]
            self.setToolTip(
                _("What the model receives: {height} x {width} pixels").format(
                    height=height, width=width
                )
            )
        self.update()

    def set_heat(self, heat: np.ndarray | None) -> None:
        """Where the model looks (an H x W map in [0, 1] over the pixels shown), or None."""
        from cnnstudio.engine.insight.overlay import heat_overlay
        from cnnstudio.gui.widgets.picture import rgb_image

        if self.pixels is None:
            return
        self.heat = heat
        self._image = (
            grey_image(self.pixels) if heat is None else rgb_image(heat_overlay(self.pixels, heat))
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        side = min(self.width(), self.height())
        target = QRectF((self.width() - side) / 2, 0, side, side)
        painter.fillRect(target, QColor(20, 20, 20))
        if self._image is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, _("model input"))
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._image)
        if side >= 4 * max(self._image.width(), self._image.height()):
            # A grid only where pixels are big enough to see (not for a 224 x 224 input).
            painter.drawImage(target.topLeft(), self._grid(int(side)))

    def _grid(self, side: int) -> QImage:
        """The faint pixel grid as a transparent overlay, drawn once per size: 60 lines drawn
        on every repaint cost ~10 ms on a busy machine, one overlay a fraction of one."""
        assert self._image is not None
        key = (side, self._image.width(), self._image.height())
        if self._grid_key != key:
            overlay = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
            overlay.fill(Qt.GlobalColor.transparent)
            painter = QPainter(overlay)
            painter.setPen(QPen(QColor(128, 128, 128, 60), 1))
            columns, rows = key[1], key[2]
            for i in range(1, columns):
                x = int(i * side / columns)
                painter.drawLine(x, 0, x, side)
            for j in range(1, rows):
                y = int(j * side / rows)
                painter.drawLine(0, y, side, y)
            painter.end()
            self._grid_key, self._grid_image = key, overlay
        return self._grid_image


class ProbabilityBars(QWidget):
    """One horizontal bar per class, the top three coloured; painted, so it updates cheaply."""

    ROW = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padProbabilityBars")
        self.setAccessibleName(_("Probability of each class"))
        self.class_names: tuple[str, ...] = tuple(str(digit) for digit in range(10))
        self.probabilities = np.zeros(len(self.class_names), np.float32)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(240, self.ROW * len(self.class_names) + 4)

    def set_classes(self, class_names: tuple[str, ...]) -> None:
        self.class_names = tuple(class_names)
        self.probabilities = np.zeros(len(self.class_names), np.float32)
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def set_probabilities(self, probabilities: np.ndarray | None) -> None:
        if probabilities is None:
            probabilities = np.zeros(len(self.class_names), np.float32)
        self.probabilities = np.asarray(probabilities, np.float32)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        metrics = painter.fontMetrics()
        label_width = max((metrics.horizontalAdvance(n) for n in self.class_names), default=10)
        label_width = min(label_width, 110) + 8
        percent_width = metrics.horizontalAdvance("100.0%") + 6
        bar_width = max(10, self.width() - label_width - percent_width)
        ranks = {int(i): r for r, i in enumerate(np.argsort(-self.probabilities)[:3])}
        any_answer = float(self.probabilities.sum()) > 0
        for row, name in enumerate(self.class_names):
            top = row * self.ROW + 2
            value = float(self.probabilities[row]) if row < len(self.probabilities) else 0.0
            rank = ranks.get(row) if any_answer else None
            painter.setPen(self.palette().text().color())
            text_rect = QRectF(0, top, label_width - 6, self.ROW - 2)
            elided = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_width - 6)
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignVCenter, elided)
            track = QRectF(label_width, top + 3, bar_width, self.ROW - 8)
            painter.fillRect(track, self.palette().color(QPalette.ColorRole.AlternateBase))
            colour = TOP_COLOURS[rank] if rank is not None else OTHER_COLOUR
            painter.fillRect(
                QRectF(track.left(), track.top(), bar_width * value, track.height()), colour
            )
            painter.drawText(
                QRectF(label_width + bar_width + 4, top, percent_width, self.ROW - 2),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignVCenter,
                percent(value) if any_answer else "",
            )


class AnswerPanel(QWidget):
    """The verdict in words above the bars: "3" with 97.2%, then the next two; or a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("padAnswerPanel")
        self.headline = QLabel(_("Draw a digit"), objectName="padHeadline")
        self.headline.setAccessibleName(_("Recognised digit"))
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.headline.setFont(font)
        self.detail = QLabel("", objectName="padAnswerDetail", wordWrap=True)
        self.detail.setAccessibleName(_("Top three"))
        self.bars = ProbabilityBars(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.detail)
        layout.addWidget(self.bars)
        self.show_nothing(_("Draw a digit"))

    def show_nothing(self, message: str) -> None:
        self.headline.setText(message)
        self.detail.setText(_("The bars show each class's probability once there is ink."))
        self.bars.set_probabilities(None)

    def show_recognition(self, recognition: Any) -> None:
        if tuple(recognition.class_names) != self.bars.class_names:
            self.bars.set_classes(tuple(recognition.class_names))
        self.bars.set_probabilities(recognition.probabilities)
        best, confidence = recognition.top[0]
        if recognition.unsure:
            self.headline.setText(recognition.message or _("Not sure"))
        else:
            self.headline.setText(f"{best}  ({percent(confidence)})")
        ranked = [f"{name}\u00a0{percent(p)}" for name, p in recognition.top]  # kept whole
        self.detail.setText(_("Top three: {ranked}").format(ranked=",  ".join(ranked)))
