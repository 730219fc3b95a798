"""The drawing pad's own behaviour, with a TensorFlow-free recognizer of the engine's interface
(tests/gui/pad/fakes.py): strokes drawn with mouse events, live answers off the GUI thread, clear,
undo, polarity, pictures (corrupt ones too), refusals and model switching."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from cnnstudio.gui.pad.demo_digits import DIGITS
from cnnstudio.gui.pad.recognition_worker import FILE, RUN, ModelSource, RecognitionWorker
from tests.gui.pad.drawing import canvas_point, draw
from tests.gui.pad.fakes import FakeOpener, FakeRecognizer


@pytest.fixture
def opener():
    return FakeOpener()


@pytest.fixture
def pad(qtbot, opener):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.pad.pad_view import DrawingPad

    context = StudioContext()
    context.mark_engine_ready()
    widget = DrawingPad(context, opener=opener)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.model_info is not None, timeout=5000)
    yield widget
    widget.shutdown()


def draw_answered(qtbot, pad, polyline):
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is not None, timeout=5000):
        draw(qtbot, pad.canvas, polyline)
    qtbot.waitUntil(lambda: pad._shown_seq == pad._seq, timeout=5000)
    return pad.recognition


def test_mouse_strokes_give_ten_probabilities_summing_to_one_off_the_gui_thread(qtbot, pad, opener):
    assert pad.answer.headline.text() == "Draw a digit"
    recognition = draw_answered(qtbot, pad, DIGITS["7"][0])
    assert len(pad.canvas.strokes) == 1 and len(pad.canvas.strokes[0].points) > 20
    assert pad.canvas.image_array().max() == 255  # ink on the image the model gets
    assert recognition.probabilities.shape == (10,)
    assert recognition.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(pad.answer.bars.probabilities, recognition.probabilities)
    assert pad.answer.detail.text().startswith("Top three: ")
    assert pad.prepared.pixels is recognition.prepared
    recognizer = next(iter(opener.recognizers.values()))
    assert recognizer.thread is not threading.main_thread()
    assert len(pad.latencies_ms) == 1


def test_recognises_while_the_stroke_grows(qtbot, pad):
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is not None, timeout=5000):
        draw(qtbot, pad.canvas, DIGITS["0"][0], release=False)
    assert pad.canvas.drawing()
    qtbot.mouseRelease(pad.canvas, Qt.MouseButton.LeftButton)
    assert not pad.canvas.drawing()


def test_an_empty_canvas_predicts_nothing_and_says_so(qtbot, pad):
    draw_answered(qtbot, pad, DIGITS["1"][0])
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is None, timeout=2000):
        qtbot.keyClick(pad.canvas, Qt.Key.Key_Escape)
    assert pad.canvas.is_blank() and pad.canvas.image_array().max() == 0
    assert pad.answer.headline.text() == "Draw a digit"
    assert pad.prepared.pixels is None
    assert not pad.answer.bars.probabilities.any()


def test_undo_removes_the_last_stroke_and_clear_the_rest(qtbot, pad):
    first, second = DIGITS["1"][0], [(0.2, 0.5), (0.5, 0.55), (0.8, 0.5)]
    draw_answered(qtbot, pad, first)
    after_first = pad.canvas.image_array()
    draw_answered(qtbot, pad, second)
    assert not np.array_equal(pad.canvas.image_array(), after_first)
    qtbot.keyClick(pad.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.canvas.strokes) == 1
    # The repaint from the strokes is the picture painted while drawing.
    assert np.abs(pad.canvas.image_array().astype(int) - after_first).max() <= 1
    draw_answered(qtbot, pad, second)
    pad.buttons["clear"].click()
    assert pad.canvas.strokes == [] and pad.canvas.is_blank()
    pad.buttons["undo"].click()  # nothing left to undo: no error
    assert pad.canvas.is_blank()


def test_polarity_toggle_inverts_the_drawing(qtbot, pad):
    draw_answered(qtbot, pad, DIGITS["7"][0])
    light_on_dark = pad.canvas.image_array()
    assert light_on_dark[0, 0] == 0
    with qtbot.waitSignal(pad.predicted, timeout=5000):
        pad.polarity_button.click()
    dark_on_light = pad.canvas.image_array()
    assert pad.polarity_button.text() == "Black on white" and dark_on_light[0, 0] == 255
    assert np.abs(255 - dark_on_light.astype(int) - light_on_dark).mean() < 1.0
    # The answer does not depend on the colours (the recognizer handles both).
    qtbot.waitUntil(lambda: pad._shown_seq == pad._seq, timeout=5000)
    assert pad.recognition is not None


def test_pressure_varies_the_width(qtbot, pad):
    canvas = pad.canvas
    ink = []
    for pressure in (0.1, 1.0):
        canvas.clear()
        canvas.begin_stroke(QPointF(canvas_point(canvas, 0.2, 0.5)), pressure)
        canvas.extend_stroke(QPointF(canvas_point(canvas, 0.8, 0.5)), pressure)
        canvas.end_stroke()
        ink.append(int((canvas.image_array() > 127).sum()))
    assert ink[1] > 2 * ink[0]


def test_a_corrupt_image_says_so_and_keeps_the_drawing(qtbot, pad, tmp_path):
    draw_answered(qtbot, pad, DIGITS["7"][0])
    before = pad.canvas.image_array()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a picture")
    assert not pad.canvas.load_image(broken)
    assert pad.message.isVisible() and "Could not load broken.png" in pad.message.text()
    assert len(pad.canvas.strokes) == 1
    np.testing.assert_array_equal(pad.canvas.image_array(), before)


def test_a_saved_drawing_loads_back_by_drag_and_drop(qtbot, pad, tmp_path):
    draw_answered(qtbot, pad, DIGITS["7"][0])
    saved = pad.canvas.image_array()
    path = tmp_path / "seven.png"
    assert pad.canvas.save_png(path)
    pad.canvas.clear()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # The handler itself: QApplication delivers a Drop only during a real drag of its own.
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is not None, timeout=5000):
        pad.canvas.dropEvent(drop)
    assert drop.isAccepted()
    assert not pad.canvas.is_blank() and pad.canvas.strokes == []
    assert np.abs(pad.canvas.image_array().astype(int) - saved).mean() < 1.0
    assert "Loaded seven.png" in pad.message.text()


def test_a_model_with_the_wrong_input_is_refused_with_its_reason(qtbot, pad, tmp_path):
    with qtbot.waitSignal(pad.modelRefused, timeout=5000) as refused:
        pad.chooser.choose_file(tmp_path / "wrong.keras")
    assert "224 x 224 x 3" in refused.args[0]
    assert "Cannot use File wrong.keras" in pad.message.text()
    assert pad.chooser.combo.currentData() == ModelSource()  # still the bundled model
    assert pad.model_info.source == ModelSource()
    draw_answered(qtbot, pad, DIGITS["1"][0])  # and it still answers


def test_switching_to_a_finished_run_and_back(qtbot, pad, opener):
    store = pad.context.run_store
    run = store.create("lenet5", "three-class", started=1_700_000_000)
    run.write_record(
        {
            "status": "finished",
            "config": {"model": "lenet5", "dataset": "three-class"},
            "best": {"val_accuracy": 0.9},
        }
    )
    run.model_file.write_bytes(b"model")
    pad.context.runsChanged.emit()
    labels = [source.label for source in pad.chooser.sources()]
    assert labels[0] == "Bundled LeNet-5" and labels[1].startswith(f"Run {run.id} (lenet5")
    draw_answered(qtbot, pad, DIGITS["7"][0])
    run_source = pad.chooser.sources()[1]
    assert run_source.kind == RUN
    with qtbot.waitSignal(pad.modelChanged, timeout=5000):
        pad.chooser.combo.activated.emit(1)
    qtbot.waitUntil(lambda: pad.recognition is not None and len(pad.recognition.class_names) == 3)
    assert pad.answer.bars.class_names == ("0", "1", "2")
    assert "3 classes" in pad.chooser.description.text()
    with qtbot.waitSignal(pad.modelChanged, timeout=5000):
        pad.use_model(ModelSource())
    assert [source.kind for source in opener.opened] == ["bundled", RUN]  # kept, not reopened


def test_feature_maps_update_and_name_their_layer_and_channel(qtbot, pad):
    draw_answered(qtbot, pad, DIGITS["0"][0])
    qtbot.waitUntil(lambda: list(pad.maps.grids) == ["c1", "s2"], timeout=5000)
    grid = pad.maps.grids["s2"]
    assert len(grid.images) == 6 and grid.shape == (16, 16, 6)
    text = grid.tooltip_at(grid.cell_rect(3).center())
    assert text.startswith("s2 (AveragePooling2D): channel 4 of 6")
    assert grid.tooltip_at(QPoint(grid.width() + 50, 0)) == ""


def test_the_worker_answers_the_newest_canvas_and_drops_stale_ones(qtbot):
    recognizer = FakeRecognizer()
    recognizer.gate = threading.Event()
    worker = RecognitionWorker(opener=lambda source: recognizer)
    answers: list[int] = []
    worker.recognized.connect(lambda seq, _: answers.append(seq))
    worker.start()
    try:
        with qtbot.waitSignal(worker.modelReady, timeout=5000):
            worker.set_model(ModelSource())
        canvas = np.zeros((64, 64), np.uint8)
        canvas[20:40, 30:34] = 255
        worker.submit(1, canvas)
        qtbot.waitUntil(lambda: recognizer.thread is not None, timeout=5000)  # 1 is in progress
        for seq in range(2, 30):
            worker.submit(seq, canvas)
        recognizer.gate.set()
        qtbot.waitUntil(lambda: bool(answers) and answers[-1] == 29, timeout=5000)
    finally:
        worker.stop_and_wait()
    assert answers == [1, 29]
    assert recognizer.calls == 2


def test_refusal_reasons_reach_the_view_for_any_file(qtbot, pad, tmp_path):
    source = ModelSource(FILE, str(tmp_path / "wrong-shape.keras"), "File wrong-shape.keras")
    with qtbot.waitSignal(pad.modelRefused, timeout=5000):
        pad.use_model(source)
    assert source in pad.chooser.sources()  # offered again, to retry after fixing the file
    assert pad.chooser.current == ModelSource()


def test_an_unsure_answer_says_so_in_words(qtbot):
    from cnnstudio.gui.pad.panels import AnswerPanel
    from tests.gui.pad.fakes import FakeRecognition

    panel = AnswerPanel()
    qtbot.addWidget(panel)
    probabilities = np.array([0.05] * 6 + [0.1, 0.0, 0.2, 0.4], np.float32)
    top = (("9", 0.4), ("8", 0.2), ("6", 0.1))
    names = tuple("0123456789")
    panel.show_recognition(
        FakeRecognition(probabilities, names, top, np.zeros((32, 32, 1)), True, "Not sure: 9 or 8?")
    )
    assert panel.headline.text() == "Not sure: 9 or 8?"
    assert panel.detail.text() == "Top three: 9\u00a040.0%,  8\u00a020.0%,  6\u00a010.0%"
    panel.show_recognition(
        FakeRecognition(probabilities, names, top, np.zeros((32, 32, 1)), False, "9 (40%)")
    )
    assert panel.headline.text() == "9  (40.0%)"


def test_the_screenshot_draws_a_digit_and_waits_for_its_maps(qtbot, pad):
    assert pad.is_ready()  # a model, nothing asked for the picture
    pad.prepare_screenshot()
    assert not pad.is_ready()
    qtbot.waitUntil(pad.is_ready, timeout=5000)
    assert pad.recognition is not None and list(pad.maps.grids) == ["c1", "s2"]


def test_the_window_lists_the_pad_after_the_runs_and_their_insight_and_starts_it_only_when_shown(
    qtbot,
):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext(), use_settings=False)
    qtbot.addWidget(window)
    keys = window.view_keys()
    assert keys[keys.index("runs") :] == ["runs", "evaluate", "explain", "pad"]
    pad = window.view("pad")
    window.show()
    window.context.mark_engine_ready()
    assert pad.worker is None  # hidden behind the first view: TensorFlow work can wait
    window.close()


def test_a_finger_and_a_pen_draw_too_the_pen_with_its_pressure(qtbot, pad):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
    from PySide6.QtTest import QTest

    canvas = pad.canvas
    finger = QTest.createTouchDevice()
    polyline = DIGITS["1"][0]
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is not None, timeout=5000):
        QTest.touchEvent(canvas, finger).press(0, canvas_point(canvas, *polyline[0])).commit()
        for x, y in polyline[1:]:
            QTest.touchEvent(canvas, finger).move(0, canvas_point(canvas, x, y)).commit()
        QTest.touchEvent(canvas, finger).release(0, canvas_point(canvas, *polyline[-1])).commit()
    assert len(canvas.strokes) == 1 and canvas.strokes[0].finished
    assert len(canvas.strokes[0].points) >= len(polyline) - 1

    pen = QPointingDevice(
        "test pen",
        7,
        QInputDevice.DeviceType.Stylus,
        QPointingDevice.PointerType.Pen,
        QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
        1,
        3,
    )

    def tablet(kind: QEvent.Type, x: float, pressure: float) -> None:
        point = QPointF(canvas_point(canvas, x, 0.5))
        event = QTabletEvent(
            kind,
            pen,
            point,
            QPointF(canvas.mapToGlobal(point)),
            pressure,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            Qt.KeyboardModifier.NoModifier,
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.LeftButton,
        )
        canvas.tabletEvent(event)
        assert event.isAccepted()  # no synthesised mouse events on top

    tablet(QEvent.Type.TabletPress, 0.2, 0.2)
    tablet(QEvent.Type.TabletMove, 0.5, 0.6)
    tablet(QEvent.Type.TabletMove, 0.8, 1.0)
    tablet(QEvent.Type.TabletRelease, 0.8, 0.0)
    assert len(canvas.strokes) == 2
    assert [round(p[2], 1) for p in canvas.strokes[1].points] == [0.2, 0.6, 1.0]


def test_the_keys_work_from_anywhere_in_the_view(qtbot, pad):
    draw_answered(qtbot, pad, DIGITS["1"][0])
    draw_answered(qtbot, pad, DIGITS["7"][0])
    pad.activateWindow()
    pad.buttons["save"].setFocus()
    qtbot.waitUntil(lambda: pad.buttons["save"].hasFocus(), timeout=2000)
    qtbot.keyClick(pad.buttons["save"], Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(pad.canvas.strokes) == 1
    qtbot.keyClick(pad.buttons["save"], Qt.Key.Key_Delete)
    assert pad.canvas.is_blank()


def test_the_worker_keeps_the_last_three_models(qtbot):
    opener = FakeOpener()
    worker = RecognitionWorker(opener=opener)
    worker.start()
    sources = [ModelSource(FILE, f"/models/m{i}.keras", f"m{i}") for i in range(4)]
    try:
        for source in [*sources, sources[3], sources[0]]:
            with qtbot.waitSignal(worker.modelReady, timeout=5000):
                worker.set_model(source)
    finally:
        worker.stop_and_wait()
    # m0 was dropped when m3 came (three kept), so going back to it opened it again.
    assert [source.label for source in opener.opened] == ["m0", "m1", "m2", "m3", "m0"]


def test_pictures_are_read_as_the_command_line_reads_them(qtbot, pad, tmp_path):
    from PIL import Image

    # Black strokes saved on transparency: the pad shows them as ink, light on dark.
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[40:160, 90:110, 3] = 255
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "on-nothing.png")
    with qtbot.waitSignal(pad.predicted, check_params_cb=lambda r: r is not None, timeout=5000):
        assert pad.canvas.load_image(tmp_path / "on-nothing.png")
    shown = pad.canvas.image_array()
    assert shown[0, 0] == 0 and shown[shown.shape[0] // 2, shown.shape[1] // 2] == 255
    # Too small to hold a digit: refused with the engine's reason, the picture kept.
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "tiny.png")
    assert not pad.canvas.load_image(tmp_path / "tiny.png")
    assert "too small" in pad.message.text()
    np.testing.assert_array_equal(pad.canvas.image_array(), shown)


def test_the_pen_is_kept_between_sessions(qtbot, pad, opener):
    from cnnstudio.gui.ground.settings import app_settings, write_json
    from cnnstudio.gui.pad.pad_view import DrawingPad

    pad.tools.width_slider.setValue(40)
    pad.polarity_button.click()
    settings = app_settings()
    pad.save_settings(settings)
    again = DrawingPad(pad.context, opener=opener)
    qtbot.addWidget(again)
    again.restore_settings(settings)
    assert again.canvas.stroke_width == 40 and not again.canvas.light_on_dark
    write_json(settings, "pad/pen", {"width": "wide", "dark_on_light": 3})  # damaged: ignored
    fresh = DrawingPad(pad.context, opener=opener)
    qtbot.addWidget(fresh)
    fresh.restore_settings(settings)
    assert fresh.canvas.light_on_dark and fresh.tools.width_slider.value() == 22


def test_without_any_usable_model_the_pad_says_why_and_is_done_loading(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.pad.pad_view import DrawingPad

    def missing(source):
        raise FileNotFoundError("the bundled LeNet-5 is missing; reinstall CNN Studio")

    context = StudioContext()
    context.mark_engine_ready()
    pad = DrawingPad(context, opener=missing)
    qtbot.addWidget(pad)
    pad.show()
    try:
        qtbot.waitUntil(pad.is_ready, timeout=5000)
        assert pad.model_info is None
        assert "the bundled LeNet-5 is missing" in pad.message.text()
        draw(qtbot, pad.canvas, DIGITS["1"][0])  # drawing still works, nothing answers
        assert len(pad.canvas.strokes) == 1 and pad.recognition is None
    finally:
        pad.shutdown()
