"""Fonts that can show the app's language: a system font for Simplified Chinese when there is
one, else the subset of Noto Sans CJK SC the app ships (cnnstudio/resources/fonts).

Qt's own font fallback finds CJK glyphs for widgets on most desktops, but not everywhere (a
bare Linux without CJK fonts shows boxes), and matplotlib and SVG files have no such fallback:
the charts, the graph and its exports name the font explicitly (`text_families`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont, QFontDatabase

from cnnstudio.i18n import current_language
from cnnstudio.locations import resource_path

# Preferred in this order when several are installed: the shipped subset's own family first
# (the same glyphs everywhere), then the usual system fonts of each platform.
PREFERRED_CJK = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "Noto Sans SC",
)
SHIPPED_FONT = ("fonts", "NotoSansCJKsc-Subset.otf")
CHINESE_LANGUAGES = ("zh_CN",)

_cjk_family: str | None = None
_shipped_family: str | None = None


def system_cjk_family() -> str | None:
    """An installed family with the Simplified Chinese writing system, preferred ones first."""
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    # Qt lists application fonts here too: a system font means one not registered by us.
    system = [name for name in families if name != _shipped_family]
    for name in PREFERRED_CJK:
        if name in system:
            return name
    # Skip vertical-writing ("@...") and monospace variants: they look wrong in a label.
    usable = [name for name in system if not name.startswith("@") and "Mono" not in name]
    return usable[0] if usable else None


def shipped_cjk_family() -> str | None:
    """Register the shipped subset (once) and return its family; None when it cannot load."""
    global _shipped_family
    if _shipped_family is None:
        path = resource_path(*SHIPPED_FONT)
        identifier = QFontDatabase.addApplicationFont(str(path)) if path.is_file() else -1
        families = QFontDatabase.applicationFontFamilies(identifier) if identifier >= 0 else []
        _shipped_family = families[0] if families else ""
    return _shipped_family or None


def cjk_family() -> str | None:
    """The family for Chinese text: the system's, else the shipped subset (needs a
    QGuiApplication)."""
    global _cjk_family
    if _cjk_family is None:
        _cjk_family = system_cjk_family() or shipped_cjk_family() or ""
    return _cjk_family or None


def needs_cjk(language: str | None = None) -> bool:
    return (language or current_language()) in CHINESE_LANGUAGES


def text_families(language: str | None = None) -> list[str]:
    """Families to name, first choice first, for text the app draws itself (the graph, its
    SVG/PNG exports): the CJK family when the language is Chinese (its Latin letters serve the
    layer names too), else none (Qt's default)."""
    family = cjk_family() if needs_cjk(language) else None
    return [family] if family else []


def with_text_families(font: QFont, language: str | None = None) -> QFont:
    """`font` set to `text_families` (unchanged when there are none)."""
    families = text_families(language)
    if families:
        font.setFamilies(families)
    return font


def apply_fonts(app: Any) -> None:
    """At start, after the language is set: in Chinese, give the application font the CJK
    family as its fallback after the platform's default, so widgets show Chinese even where
    the platform's own fallback finds nothing (the shipped subset is only known to Qt)."""
    if not needs_cjk():
        return
    family = cjk_family()
    if family:
        font = app.font()
        font.setFamilies([*font.families(), family] if font.families() else [font.family(), family])
        app.setFont(font)


def matplotlib_families(language: str | None = None) -> list[str]:
    """What matplotlib's `font.family` should list for the language: its default generic
    family in English; in Chinese DejaVu Sans (that default's font) for Latin and a CJK font
    matplotlib can read for the rest (per-glyph fallback, matplotlib 3.6+)."""
    if not needs_cjk(language):
        return ["sans-serif"]
    return ["DejaVu Sans", _matplotlib_cjk_family()]


_matplotlib_family: str | None = None


def _matplotlib_cjk_family() -> str:
    """matplotlib finds fonts by file, not through Qt: register the shipped subset with it
    (it reads only the first face of a .ttc, so a system collection would give the Japanese
    glyphs); the subset covers every character of the catalog."""
    global _matplotlib_family
    if _matplotlib_family is None:
        from matplotlib import font_manager

        path = resource_path(*SHIPPED_FONT)
        font_manager.fontManager.addfont(str(path))
        _matplotlib_family = font_manager.FontProperties(fname=str(path)).get_name()
    return _matplotlib_family
