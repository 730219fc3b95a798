"""Every view under a pseudo-translation: each text of ours comes from the catalog (it shows the
pseudo-translation's brackets) and, 30-40 % longer, still fits its widget at 1024 x 700 (issue
20, section 3: layouts that survive another language)."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel
from pytestqt.exceptions import TimeoutError

from cnnstudio import i18n

POT = Path(i18n.__file__).with_name("cnnstudio.pot")
# Kept as they are: placeholders, printf fields, HTML tags, entities and Qt's & accelerators.
_KEEP = re.compile(r"(\{[^{}]*\}|%\([^)]*\)[a-z]|%[a-z]|<[^>]+>|&[a-z]+;|&(?=\w))")


def pseudo(text: str) -> str:
    """'［Mōdēls］': every vowel followed by a mark, about 35 % longer, brackets around."""
    parts = _KEEP.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:  # a kept piece
            out.append(part)
        else:
            out.append(re.sub(r"([aeiouAEIOU])", r"\1·", part))
    return "［" + "".join(out) + "］"


def pseudo_catalog() -> gettext.GNUTranslations:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(POT, "rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="en")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(pseudo(part) for part in message.id))
        else:
            catalog.add(message.id, pseudo(message.id))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def test_the_pseudo_translation_keeps_what_code_needs():
    assert (
        pseudo("Epoch {epoch}/{epochs}: {loss:.4f}") == "［E·po·ch {epoch}/{epochs}: {loss:.4f}］"
    )
    assert pseudo("&File") == "［&Fi·le·］"
    assert pseudo("<b>Input</b>") == "［<b>I·npu·t</b>］"


@pytest.fixture
def pseudo_window(qtbot):
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow

    i18n.use_catalog(pseudo_catalog(), "pseudo")
    try:
        window = MainWindow(StudioContext(), use_settings=False)
        qtbot.addWidget(window)
        window.resize(1024, 700)
        window.show()
        yield window
        window.close()
    finally:
        i18n.set_language("en")


def visible_texts(window) -> list[tuple[object, str]]:
    found = []
    for kind in (QLabel, QAbstractButton, QGroupBox):
        for widget in window.findChildren(kind):
            if not widget.isVisible():
                continue
            text = widget.title() if isinstance(widget, QGroupBox) else widget.text()
            if text and any(c.isalpha() for c in text):
                found.append((widget, text))
    return found


def identifiers() -> set[str]:
    """Texts that are names, not sentences: the models' display names."""
    from cnnstudio.engine.anatomy.catalog import load_model_metadata

    return {meta.display_name for meta in load_model_metadata().values()}


def cut_off(widget, text: str) -> bool:
    """Less than the whole text shows: one line wider than the room the widget has."""
    if isinstance(widget, QLabel) and (widget.wordWrap() or "<" in text):
        return False  # wraps (rich text is measured by Qt's own layout)
    if isinstance(widget, QAbstractButton):
        # The style's own measure of text, icon, indicator and margins.
        return widget.width() < widget.sizeHint().width() - 1
    plain = text.replace("&", "")
    needed = max(widget.fontMetrics().horizontalAdvance(line) for line in plain.splitlines())
    return needed > widget.contentsRect().width() + 1


def test_every_view_shows_only_catalog_text_and_none_is_cut(pseudo_window, qtbot):
    names = identifiers()
    untranslated, cut, sideways = [], [], []
    for key in pseudo_window.view_keys():
        pseudo_window.show_view(key)
        qtbot.wait_until(lambda key=key: pseudo_window.current_view() == key)
        # Nothing wider than the window: a view that needs a sideways scroll bar at 1024 px
        # hides half its tools (the graph's inspector, the pad's maps, the chart's buttons).
        scroll = pseudo_window._frames[key].horizontalScrollBar()
        try:
            qtbot.wait_until(lambda scroll=scroll: scroll.maximum() == 0, timeout=2000)
        except TimeoutError:
            sideways.append(f"{key}: {scroll.maximum()} px")
        for widget, text in visible_texts(pseudo_window):
            where = f"{key}: {type(widget).__name__} {widget.objectName()!r}: {text[:50]!r}"
            if "［" not in text and text not in names:
                untranslated.append(where)
            elif not isinstance(widget, QGroupBox) and cut_off(widget, text):
                cut.append(where)
    assert untranslated == [], "not from the catalog:\n" + "\n".join(untranslated)
    assert cut == [], "cut off at 1024 x 700:\n" + "\n".join(cut)
    assert sideways == [], "wider than a 1024 px window: " + ", ".join(sideways)
    assert pseudo_window.width() <= 1024, "a view widened the window"
