"""Chinese renders everywhere (issue 24): the charts, the graph and its exports name a font with
the glyphs of Simplified Chinese, a system one or the subset the app ships."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase, QRawFont

from cnnstudio import i18n
from cnnstudio.gui.ground import fonts

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "cnnstudio" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "cnnstudio.po"


def _generator():
    path = ROOT / "packaging" / "make_cjk_font.py"
    spec = importlib.util.spec_from_file_location("make_cjk_font", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalog_characters() -> set[str]:
    from babel.messages.pofile import read_po

    with open(PO, "rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    characters = set()
    for message in catalog:
        strings = [message.string] if isinstance(message.string, str) else message.string
        for text in strings:
            characters.update(c for c in text or "" if c.isprintable())
    return characters


def sample(characters: set[str], size: int = 200) -> list[str]:
    cjk = sorted(c for c in characters if ord(c) >= 0x3000)
    return cjk[:: max(1, len(cjk) // size)]


@pytest.fixture
def chinese(qapp):
    i18n.set_language("zh_CN")
    from cnnstudio.gui.graph import style

    style.node_font.cache_clear()  # made once per language
    yield
    i18n.set_language("en")
    style.node_font.cache_clear()


def test_the_shipped_subset_covers_every_character_of_the_catalog():
    generator = _generator()
    shipped = generator.covered_characters(generator.FONT_PATH)
    missing = catalog_characters() - shipped
    assert not missing, f"run python packaging/make_cjk_font.py --write: {sorted(missing)[:20]}"
    assert generator.main(["--check"]) == 0
    assert (generator.FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1


def test_without_a_system_cjk_font_the_shipped_one_is_registered(qapp, monkeypatch):
    monkeypatch.setattr(fonts, "system_cjk_family", lambda: None)
    monkeypatch.setattr(fonts, "_cjk_family", None)
    family = fonts.cjk_family()
    assert family == "Noto Sans CJK SC"
    path = fonts.resource_path(*fonts.SHIPPED_FONT)
    raw = QRawFont(str(path), 12)
    assert raw.isValid() and all(
        raw.supportsCharacter(ord(c)) for c in sample(catalog_characters())
    )


def test_the_graph_font_has_the_glyphs_of_chinese(chinese):
    from cnnstudio.gui.graph import export, style

    for font in (style.node_font(), style.node_font(bold=True), export._title_font()):
        family = font.families()[0]
        assert family == fonts.cjk_family()
        systems = QFontDatabase.writingSystems(family)
        assert QFontDatabase.WritingSystem.SimplifiedChinese in systems
        raw = QRawFont.fromFont(font, QFontDatabase.WritingSystem.SimplifiedChinese)
        assert all(raw.supportsCharacter(ord(c)) for c in sample(catalog_characters()))


def test_in_english_the_graph_keeps_the_default_font(qapp):
    i18n.set_language("en")
    assert fonts.text_families() == []


def test_the_chart_titles_in_chinese_have_a_font_for_every_character(chinese, qtbot):
    import matplotlib
    from matplotlib import font_manager

    from cnnstudio.gui.widgets.charts import TrainingChart

    chart = TrainingChart()
    qtbot.addWidget(chart)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of each glyph no font has
        chart.canvas.draw()
    texts = [axes.get_title(loc="left") for axes in chart.figure.axes]
    texts += [axes.get_xlabel() for axes in chart.figure.axes]
    characters = {c for text in texts for c in text if not c.isspace()}
    assert any(ord(c) >= 0x3000 for c in characters), texts  # the titles are in Chinese
    generator = _generator()
    covered: set[str] = set()
    for family in matplotlib.rcParams["font.family"]:
        prop = font_manager.FontProperties(family=family)
        path = font_manager.findfont(prop, fallback_to_default=False)
        covered |= generator.covered_characters(Path(path))
    assert characters <= covered, sorted(characters - covered)
