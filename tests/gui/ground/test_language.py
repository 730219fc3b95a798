"""The app's language (issue 24): the system's by default, the View > Language choice when one
was made, and Qt's own dialogs in the same language."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from cnnstudio import i18n
from cnnstudio.gui.ground.language import LANGUAGE_SETTING, apply_language, chosen_language
from cnnstudio.gui.ground.settings import app_settings


@pytest.fixture
def app(qapp, monkeypatch):
    for variable in ("CNNSTUDIO_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    yield qapp
    monkeypatch.setenv("CNNSTUDIO_LANG", "en")
    apply_language(qapp, None)  # English again, and Qt's translation removed
    i18n.set_language("en")


def test_qt_dialogs_speak_chinese_in_chinese(app, monkeypatch):
    monkeypatch.setenv("CNNSTUDIO_LANG", "zh_CN")
    assert apply_language(app, None) == "zh_CN"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    monkeypatch.setenv("CNNSTUDIO_LANG", "en")
    assert apply_language(app, None) == "en"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_the_system_locale_decides_until_a_language_is_chosen(app, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    settings = app_settings()
    assert chosen_language(settings) == "system"
    assert apply_language(app, settings) == "zh_CN" and i18n._("&File") == "文件(&F)"
    settings.setValue(LANGUAGE_SETTING.key, "en")
    assert apply_language(app, settings) == "en" and i18n._("&File") == "&File"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    settings.setValue(LANGUAGE_SETTING.key, "zh_CN")
    assert apply_language(app, settings) == "zh_CN"


def test_the_language_menu_remembers_the_choice(qtbot, app):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext())
    qtbot.addWidget(window)
    assert window.language_actions["system"].isChecked()
    window.language_actions["zh_CN"].trigger()
    assert chosen_language(app_settings()) == "zh_CN"
    assert isinstance(QApplication.instance(), QApplication)
