"""Light and dark follow the system (Qt's colour-scheme hint); CNNSTUDIO_THEME overrides it. In
dark, the palette is dark and the painted views (charts, the graph's canvas) follow it."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from cnnstudio.gui.ground import theme


def test_dark_is_applied_to_the_palette_and_the_painted_views(qtbot, monkeypatch):
    app = QApplication.instance()
    original_style, original_palette = app.style().name(), QPalette(app.palette())
    monkeypatch.setenv(theme.THEME_ENV, "dark")
    follower = theme.Theme(app)
    try:
        assert follower.current == "dark" and theme.is_dark(app.palette())
        from cnnstudio.gui.graph.canvas import GraphCanvas
        from cnnstudio.gui.graph.scene import GraphScene
        from cnnstudio.gui.widgets.charts import TrainingChart

        chart = TrainingChart()
        qtbot.addWidget(chart)
        face = chart.figure.get_facecolor()
        assert sum(face[:3]) / 3 < 0.3  # a dark figure, not a white sheet in a dark window
        assert chart._ink == app.palette().color(QPalette.ColorRole.WindowText).name()
        scene = GraphScene()
        canvas = GraphCanvas(scene)
        qtbot.addWidget(canvas)
        assert scene.backgroundBrush().color().lightness() < 80
        monkeypatch.setenv(theme.THEME_ENV, "light")
        assert follower.apply() == "light" and not theme.is_dark(app.palette())
    finally:
        app.setStyle(original_style)
        app.setPalette(original_palette)


def test_the_system_scheme_decides_without_an_override(monkeypatch):
    monkeypatch.delenv(theme.THEME_ENV, raising=False)
    app = QApplication.instance()
    assert theme.wanted_theme(app) in ("light", "dark")
    monkeypatch.setenv(theme.THEME_ENV, "DARK")
    assert theme.wanted_theme(app) == "dark"
