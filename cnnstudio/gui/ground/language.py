"""The app's language: the system's, or the one chosen in View > Language (at the next start).

The catalog is gettext's (`cnnstudio.i18n`), chosen before any widget is made; Qt's own dialogs
(file choosers, message box buttons) speak the same language through Qt's own translation,
`qtbase_<lang>.qm`, which PySide6 ships.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

from cnnstudio.gui.ground.settings import Setting, read_setting
from cnnstudio.i18n import LANGUAGES, N_, set_language

SYSTEM = "system"
LANGUAGE_SETTING = Setting("ui/language", "text", SYSTEM, choices=(SYSTEM, *LANGUAGES))
# What the menu offers, each language named in itself (a person who cannot read the current
# language still finds their own).
CHOICES = ((SYSTEM, N_("System language")), ("en", "English"), ("zh_CN", "简体中文"))


def chosen_language(settings: Any | None) -> str:
    """The preference ("system", "en", "zh_CN"); "system" without settings (screenshots)."""
    return SYSTEM if settings is None else read_setting(settings, LANGUAGE_SETTING)


def apply_language(app: Any, settings: Any | None) -> str:
    """Set the catalog's language from the preference (or $CNNSTUDIO_LANG and the locale) and
    install Qt's own translation for it; returns the language in use."""
    chosen = chosen_language(settings)
    language = set_language(None if chosen == SYSTEM else chosen)
    # One Qt translation at a time: a second call (tests, a new language) replaces the first.
    previous = getattr(app, "_cnnstudio_qt_translator", None)
    if previous is not None:
        app.removeTranslator(previous)
        app._cnnstudio_qt_translator = None
    if language != "en":
        translator = QTranslator(app)
        if translator.load(QLocale(language), "qtbase", "_", qt_translations_folder()):
            app.installTranslator(translator)
            app._cnnstudio_qt_translator = translator  # kept alive with the app
    return language


def qt_translations_folder() -> str:
    """Where Qt's own `qtbase_<lang>.qm` are: PySide6 ships them (the frozen bundle too)."""
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
