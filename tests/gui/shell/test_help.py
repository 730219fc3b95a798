"""Help: the user guide in the app's language, the keyboard shortcuts read from the window's
own actions, and "What's this?" on every field of the training form (issue 25)."""

from __future__ import annotations

import pytest

from cnnstudio import i18n


@pytest.fixture
def window(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    window = MainWindow(StudioContext(), use_settings=False)
    qtbot.addWidget(window)
    return window


def test_the_guide_opens_from_the_help_menu_in_the_apps_language(window, qtbot):
    from PySide6.QtGui import QAction

    from cnnstudio.gui.shell.help import GuideDialog, guide_path

    assert window.findChild(QAction, "guideAction").shortcut().toString() == "F1"
    dialog = GuideDialog(window)
    text = dialog.browser.toPlainText()
    assert text.startswith("CNN Studio: user guide") and "Start here" in text
    try:
        i18n.set_language("zh_CN")
        assert guide_path().name == "guide.zh_CN.md"
        assert "使用指南" in GuideDialog(window).browser.toPlainText()
    finally:
        i18n.set_language("en")
    assert guide_path("fr").name == "guide.en.md"  # no guide in that language: English


def test_the_shortcuts_are_the_windows_own(window):
    from cnnstudio.gui.shell.help import shortcuts

    rows = dict(shortcuts(window))
    first = window.view_keys()[0]
    assert "Ctrl+1" in rows and first.lower() in rows["Ctrl+1"].lower()
    second = window.view_keys()[1]
    assert "Ctrl+2" in rows and second.lower() in rows["Ctrl+2"].lower()
    assert rows["Ctrl+Z"].startswith("Draw")


def test_every_field_of_the_training_form_answers_whats_this(window):
    form = window.view("training").form
    for name, field in form.fields.items():
        assert field.whatsThis() and field.whatsThis() == field.toolTip(), name


def test_every_view_has_its_own_icon_drawn_crisp_at_any_scale(window):
    from PySide6.QtCore import QSize

    images = set()
    for row in range(window._sidebar.count()):
        icon = window._sidebar.item(row).icon()
        assert not icon.isNull(), window.view_keys()[row]
        image = icon.pixmap(QSize(40, 40)).toImage()  # 200 %: drawn at that size, not scaled
        assert image.width() == 40
        inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(40) for y in range(40))
        assert inked > 40, window.view_keys()[row]
        images.add(bytes(image.constBits()))
    assert len(images) == window._sidebar.count()  # no two views share a glyph


def test_the_toolbars_carry_their_glyphs(window):
    training, graph = window.view("training"), window.view("graph")
    for button in (
        training.train_button,
        training.pause_button,
        training.stop_button,
        graph.expand_all_button,
        graph.collapse_all_button,
        graph.fit_button,
        graph.export_button,
    ):
        assert not button.icon().isNull(), button.objectName()
