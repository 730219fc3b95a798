"""The "Draw" view: the pad, the network's answer, the image it receives and what it sees.

It composes the canvas (`canvas`) and its controls (`pad_tools`), the answer and prepared-image
panels (`panels`), the feature map grids (`feature_maps`) and the model chooser
(`model_choice`), and drives one `RecognitionWorker`. While a stroke grows the canvas is sent at
most every `THROTTLE_MS`; when it ends, at once. The worker answers the newest canvas only, so
drawing never waits for the network. The worker starts once the engine is up and the view has
been shown (TensorFlow loads behind the window; a pad nobody opened costs nothing).

`predicted(Recognition | None)` is emitted each time the bars change (None: nothing drawn);
`latencies_ms` keeps, per finished stroke, the time from its end to the bars showing it (the
latency benchmark reads it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.pad.canvas import PadCanvas
from cnnstudio.gui.pad.feature_maps import FeatureMapsPanel
from cnnstudio.gui.pad.model_choice import ModelChooser
from cnnstudio.gui.pad.pad_tools import PadTools
from cnnstudio.gui.pad.panels import AnswerPanel, PreparedView
from cnnstudio.gui.pad.recognition_worker import ModelInfo, ModelSource, RecognitionWorker
from cnnstudio.i18n import N_, _, ngettext

THROTTLE_MS = 40
_ERROR_STYLE = "background:#fdecea; color:#611a15; border:1px solid #f5c2c0; padding:6px;"
_INFO_STYLE = "background:#e8f1fb; color:#0b3d6e; border:1px solid #b6d4f2; padding:6px;"
_HINT_STYLE = "color: palette(dark); padding:6px;"
HINT = N_(
    "Draw with the mouse, a pen or a finger. Esc or Delete clears, Ctrl+Z undoes the last "
    "stroke; drop a PNG or JPEG on the pad to read it instead."
)


class DrawingPad(QWidget):
    predicted = Signal(object)  # Recognition | None
    modelChanged = Signal(object)  # ModelInfo
    modelRefused = Signal(str)  # the reason

    def __init__(
        self,
        context: StudioContext,
        parent: QWidget | None = None,
        *,
        opener: Callable[[ModelSource], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("drawingPad")
        self.setAccessibleName(_("Drawing pad view"))
        self.context = context
        self.worker: RecognitionWorker | None = None
        self._opener = opener  # tests may give their own recognizer factory
        self.model_info: ModelInfo | None = None
        self.recognition: Any = None
        self.latencies_ms: list[float] = []
        self._seq = 0  # of the last canvas sent
        self._shown_seq = 0  # of the last answer shown
        self._stroke_end: tuple[int, float] | None = None  # seq, perf_counter at a stroke's end
        self._maps_seq = 0  # of the canvas whose feature maps are shown
        self._attention_seq = 0  # of the canvas whose Grad-CAM is shown
        self._screenshot_digit: str | None = None
        self._refused_first = False  # the first model was refused: the pad has none
        self._throttle = QTimer(self, singleShot=True, interval=THROTTLE_MS)
        self._throttle.timeout.connect(self._send)
        self._build()
        context.engineReady.connect(self._start)
        context.engineFailed.connect(self._on_engine_failed)
        context.runsChanged.connect(self.chooser.refresh)
        self.show_message("")

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        self.canvas = PadCanvas(self)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.canvas.message.connect(lambda text, error: self.show_message(text, error=error))
        self.chooser = ModelChooser(self.context.run_store, self)
        self.chooser.sourceChosen.connect(self._load_model)
        # One status area under the pad, of a fixed height: the key hint, or what happened
        # (a picture that could not be read, a refused model). Showing a message never moves
        # the pad, so a drawing keeps its size and place.
        self.message = QLabel(objectName="padMessage", wordWrap=True)
        self.message.setAccessibleName(_("Pad message"))
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setFixedHeight(4 * self.message.fontMetrics().lineSpacing() + 14)
        self.answer = AnswerPanel(self)
        self.prepared = PreparedView(self)
        self.prepared_caption = QLabel(
            _("What the model receives"), objectName="padPreparedCaption"
        )
        self.maps = FeatureMapsPanel(self)
        self.attention_box = QCheckBox(_("Show where it looks"), objectName="padAttention")
        self.attention_box.setChecked(True)
        self.attention_box.setToolTip(
            _(
                "Grad-CAM over the model's input: the places that made it choose its answer "
                "(warm colours), updated as you draw"
            )
        )
        self.attention_box.toggled.connect(self._attention_toggled)

        self.tools = PadTools(self.canvas, scope=self, parent=self)
        # Short names (tests and scripts press these).
        self.buttons, self.polarity_button = self.tools.buttons, self.tools.polarity_button
        left = QVBoxLayout()
        left.addWidget(self.canvas)  # as tall as it is wide (heightForWidth); the rest below
        left.addWidget(self.tools)
        left.addWidget(self.message)
        left.addStretch(1)
        answer_box = QGroupBox(_("The network's answer"), objectName="padAnswerBox")
        answer_layout = QVBoxLayout(answer_box)
        answer_layout.addWidget(self.answer)
        answer_layout.addSpacing(8)
        answer_layout.addWidget(self.prepared_caption)
        answer_layout.addWidget(self.prepared, 0, Qt.AlignmentFlag.AlignLeft)
        answer_layout.addWidget(self.attention_box)
        answer_layout.addStretch(1)
        answer_box.setMaximumWidth(320)  # the bars need no more; the pad gets the rest
        maps_box = QGroupBox(_("What the network sees"), objectName="padMapsBox")
        scroll = QScrollArea(objectName="padMapsScroll", widgetResizable=True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.maps)
        QVBoxLayout(maps_box).addWidget(scroll)
        # Eight maps a row at most (wider would only add empty space); narrower, the grids wrap.
        maps_box.setMinimumWidth(200)
        maps_box.setMaximumWidth(380)

        row = QHBoxLayout()
        row.addLayout(left, 1)
        row.addWidget(answer_box)
        row.addWidget(maps_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chooser)
        layout.addLayout(row, 1)

    def show_message(self, text: str, *, error: bool = True) -> None:
        """Show `text` under the pad (an error in red); empty text brings the key hint back.
        The caller says whether it is an error: the text may be in any language."""
        if not text:
            self.message.setStyleSheet(_HINT_STYLE)
            self.message.setText(_(HINT))
            return
        self.message.setStyleSheet(_ERROR_STYLE if error else _INFO_STYLE)
        self.message.setText(text)

    # -- the worker and the model ---------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._start()

    def _start(self) -> None:
        """Start recognising: once the engine is up and the view has been shown."""
        if self.worker is not None or not self.context.engine_ready or not self.isVisible():
            return
        kwargs = {} if self._opener is None else {"opener": self._opener}
        self.worker = RecognitionWorker(parent=self, **kwargs)
        self.worker.modelReady.connect(self._on_model_ready)
        self.worker.modelRefused.connect(self._on_model_refused)
        self.worker.recognized.connect(self._on_recognized)
        self.worker.featureMaps.connect(self._on_feature_maps)
        self.worker.attention.connect(self._on_attention)
        self.worker.show_attention = self.attention_box.isChecked()
        self.worker.failed.connect(
            lambda text: self.show_message(_("Could not recognise: {error}").format(error=text))
        )
        self.worker.start()
        self.worker.set_model(self.chooser.current)

    def _on_engine_failed(self, reason: str) -> None:
        self.chooser.description.setText(_("No model: the engine did not load"))
        self.show_message(
            _("Cannot recognise: the engine did not load ({reason})").format(reason=reason)
        )

    def use_model(self, source: ModelSource) -> None:
        """Switch the pad to another model (as if chosen in the combo)."""
        self.chooser.choose(source)

    def _load_model(self, source: ModelSource) -> None:
        self.show_message(_("Loading {name}…").format(name=source.label), error=False)
        if self.worker is not None:
            self.worker.set_model(source)

    def _on_model_ready(self, info: ModelInfo) -> None:
        self.model_info = info
        height, width, channels = (*info.input_shape, 1, 1, 1)[:3]
        self.chooser.set_current(
            info.source,
            ngettext(
                "{description} · input {height} x {width} x {channels} · {count} class",
                "{description} · input {height} x {width} x {channels} · {count} classes",
                len(info.class_names),
            ).format(
                description=info.description,
                height=height,
                width=width,
                channels=channels,
                count=len(info.class_names),
            ),
        )
        self.answer.bars.set_classes(info.class_names)
        self.prepared_caption.setText(
            _("What the model receives ({height} x {width})").format(height=height, width=width)
        )
        self.show_message("")
        self.modelChanged.emit(info)
        self._send()

    def _on_model_refused(self, source: ModelSource, reason: str) -> None:
        self._refused_first = self.model_info is None
        self.show_message(self.chooser.refuse(source, reason), error=True)
        self.modelRefused.emit(reason)

    # -- recognition ----------------------------------------------------------------------------

    def _on_canvas_changed(self, final: bool) -> None:
        if final:
            self._throttle.stop()
            self._send(stroke_end=True)
        elif not self._throttle.isActive():
            self._throttle.start()

    def _send(self, *, stroke_end: bool = False) -> None:
        self._seq += 1
        if self.canvas.is_blank():
            self._shown_seq = self._seq  # answers still in flight are stale
            self._stroke_end = None
            self._show(None)
            return
        if stroke_end:
            self._stroke_end = (self._seq, time.perf_counter())
        if self.worker is not None and self.model_info is not None:
            self.worker.submit(self._seq, self.canvas.image_array(), not self.canvas.drawing())

    def _on_recognized(self, seq: int, recognition: Any) -> None:
        if seq < self._shown_seq:
            return
        self._shown_seq = seq
        self._show(recognition)
        if self._stroke_end is not None and seq >= self._stroke_end[0]:
            self.latencies_ms.append(1000 * (time.perf_counter() - self._stroke_end[1]))
            self._stroke_end = None

    def _show(self, recognition: Any) -> None:
        self.recognition = recognition
        if recognition is None:
            self.answer.show_nothing(_("Draw a digit"))
            self.prepared.set_pixels(None)
            self.maps.clear()
        else:
            self.answer.show_recognition(recognition)
            self.prepared.set_pixels(recognition.prepared)
        self.predicted.emit(recognition)

    def _on_feature_maps(self, seq: int, feature_maps: list) -> None:
        if seq == self._shown_seq:
            self._maps_seq = seq
            self.maps.set_maps(feature_maps)

    def _on_attention(self, seq: int, heat: Any) -> None:
        if seq == self._shown_seq and self.attention_box.isChecked():
            self._attention_seq = seq
            self.prepared.set_heat(heat)

    def _attention_toggled(self, shown: bool) -> None:
        if self.worker is not None:
            self.worker.show_attention = shown
        if not shown:
            self.prepared.set_heat(None)
        elif self.recognition is not None:
            self._send()  # the map of the drawing already there

    # -- preferences ----------------------------------------------------------------------------

    def restore_settings(self, settings: Any) -> None:
        """The pen as the person left it: stroke width and ink polarity, each checked."""
        from cnnstudio.gui.ground.settings import Setting, read_setting

        slider = self.tools.width_slider
        pen = read_setting(
            settings,
            Setting(
                "pad/pen",
                "object",
                {},
                fields=(
                    Setting("width", "int", None, slider.minimum(), slider.maximum()),
                    Setting("dark_on_light", "bool"),
                ),
            ),
        )
        if pen.get("width") is not None:
            slider.setValue(pen["width"])
        if pen.get("dark_on_light") is not None:
            self.polarity_button.setChecked(pen["dark_on_light"])

    def save_settings(self, settings: Any) -> None:
        from cnnstudio.gui.ground.settings import write_json

        write_json(
            settings,
            "pad/pen",
            {
                "width": self.tools.width_slider.value(),
                "dark_on_light": self.polarity_button.isChecked(),
            },
        )

    # -- the window's hooks ---------------------------------------------------------------------

    def prepare_screenshot(self) -> None:
        """For `cnnstudio --screenshot --view pad`: draw a digit, so the picture shows the pad
        at work (bars, model input, feature maps)."""
        from cnnstudio.gui.pad.demo_digits import play

        self._screenshot_digit = "3"
        QTimer.singleShot(0, lambda: play(self.canvas, "3"))

    def is_ready(self) -> bool:
        if self.context.engine_error is not None or self._refused_first:
            return True  # nothing more will come: picture the message
        if self.model_info is None:
            return False
        if self._screenshot_digit is None:
            return True
        answered = self.recognition is not None and self._maps_seq == self._shown_seq
        # With "Show where it looks", the picture waits for the map too (traced on first use).
        looked = not self.attention_box.isChecked() or self._attention_seq == self._shown_seq
        return answered and looked

    def shutdown(self) -> None:
        self._throttle.stop()
        if self.worker is not None:
            self.worker.stop_and_wait()
