"""The glossary: an entry for every term the course refers to, found by any of its names."""

from __future__ import annotations

from PySide6.QtGui import QAction

from cnnstudio.gui.course.glossary_terms import BY_KEY, TERMS


def test_every_term_has_its_names_and_a_definition():
    assert len(BY_KEY) == len(TERMS), "two terms share a key"
    for term in TERMS:
        assert term.english and term.chinese, term.key
        # Two sentences: short enough to read beside a view, long enough to say why.
        assert term.definition.count(". ") + term.definition.count("; ") >= 1, term.key
        assert term.definition.endswith("."), term.key


def test_each_term_s_chinese_name_is_the_one_the_interface_uses():
    """The glossary's Chinese column and the zh_CN catalog say the same (one term, one name:
    docs/terminology.zh-CN.md)."""
    import gettext

    from cnnstudio import i18n

    catalog = gettext.translation(
        i18n.DOMAIN, localedir=str(i18n.locale_dir()), languages=["zh_CN"]
    )
    differ = [
        (term.english, catalog.gettext(term.english), term.chinese)
        for term in TERMS
        if catalog.gettext(term.english) != term.chinese
    ]
    assert differ == []


def test_the_help_menu_opens_the_glossary_and_the_search_finds_chinese_names(window, qtbot):
    window.findChild(QAction, "glossaryAction").trigger()
    glossary = window.course.glossary()
    qtbot.waitUntil(glossary.isVisible)
    glossary.search.setText("池化")
    assert set(glossary.shown_terms()) == {
        "pooling",
        "max_pooling",
        "average_pooling",
        "global_average_pooling",
    }
    glossary.search.setText("汇聚")  # d2l-zh's name for pooling finds it too
    assert "pooling" in glossary.shown_terms()
    glossary.search.setText("批归一化")
    assert glossary.shown_terms() == ["batch_norm"]
    assert glossary.current_term() == "batch_norm"
    assert "批量规范化" in glossary.entry.toPlainText()  # d2l-zh's name where it differs
    glossary.search.setText("receptive")
    assert glossary.shown_terms() == ["receptive_field"]
    glossary.close()


def test_glossary_requested_opens_the_entry(window, qtbot):
    window.context.glossaryRequested.emit("residual_connection")
    glossary = window.course.glossary()
    qtbot.waitUntil(glossary.isVisible)
    assert glossary.current_term() == "residual_connection"
    assert "残差连接" in glossary.entry.toPlainText()
    glossary.close()
