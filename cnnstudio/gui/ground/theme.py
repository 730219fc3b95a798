"""Light and dark, following the system: Qt's colour-scheme hint decides, and the app follows it
when it changes. `CNNSTUDIO_THEME=light|dark` overrides it (screenshots, a person who wants the
other one).

In dark, the app uses Qt's Fusion style with a dark palette, so every widget, including those
painted by the views (charts, the graph's canvas, the confusion matrix), takes its colours from
the same palette: views read `palette()` rather than fixed colours. Light keeps the platform's
own style and palette untouched.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEME_ENV = "CNNSTUDIO_THEME"
LIGHT, DARK = "light", "dark"


def wanted_theme(app: QGuiApplication) -> str:
    forced = os.environ.get(THEME_ENV, "").strip().lower()
    if forced in (LIGHT, DARK):
        return forced
    scheme = app.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def dark_palette() -> QPalette:
    """A calm dark palette: near-black surfaces, light text, the app's blue for selection."""
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#2b2d30",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1f2023",
        QPalette.ColorRole.AlternateBase: "#2f3134",
        QPalette.ColorRole.ToolTipBase: "#3a3c40",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#8a8d92",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#35373b",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#4a4d52",
        QPalette.ColorRole.Midlight: "#3d4044",
        QPalette.ColorRole.Mid: "#5a5d62",
        QPalette.ColorRole.Dark: "#1a1b1d",
        QPalette.ColorRole.Shadow: "#000000",
        QPalette.ColorRole.Highlight: "#3b78c2",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7cb3f0",
        QPalette.ColorRole.LinkVisited: "#b59be0",
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    )
    for role in disabled:
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7d8085"))
    return palette


class Theme:
    """Applies the wanted theme now and again whenever the system's scheme changes."""

    def __init__(self, app: QApplication) -> None:
        self.app = app
        self._light_style = app.style().name()
        self._light_palette = QPalette(app.palette())
        self.current = ""
        self.apply()
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: self.apply())

    def apply(self) -> str:
        theme = wanted_theme(self.app)
        if theme == self.current:
            return theme
        if theme == DARK:
            self.app.setStyle("Fusion")
            self.app.setPalette(dark_palette())
        elif self.current == DARK:  # back to the platform's own look
            self.app.setStyle(self._light_style)
            self.app.setPalette(self._light_palette)
        self.current = theme
        return theme


_theme: Theme | None = None  # the one that listens to the system, for the app's lifetime


def follow_system_theme(app: QApplication) -> Theme:
    """Apply the wanted theme and follow the system's changes (once per application)."""
    global _theme
    if _theme is None or _theme.app is not app:
        _theme = Theme(app)
    else:
        _theme.apply()
    return _theme


def is_dark(palette: QPalette) -> bool:
    """For painted views: whether the surfaces are dark (their own colours must be light)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128
