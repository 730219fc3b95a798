"""The one catalog of user-visible text, through Python's gettext.

    from cnnstudio.i18n import _, ngettext, N_

    _("Train")                                  # a sentence shown now
    _("{count} images skipped").format(count=n) # placeholders by name, formatted after lookup
    ngettext("{n} epoch", "{n} epochs", n).format(n=n)
    LABELS = {"sgd": N_("Plain SGD")}           # marked for extraction, translated where shown

gettext rather than Qt's `tr`: the command line and the engine's messages must be translated
without importing Qt (cli/ never imports gui/), and one catalog serves all three. Qt's own
dialogs still get Qt's `qtbase_zh_CN.qm` through a QTranslator in the GUI (gui/ground/language.py).

The language is chosen once per process by `set_language()`, or on first use from
`$CNNSTUDIO_LANG`, then the system locale (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`).
English is the source language: a missing catalog or entry shows the English text.
"""

from __future__ import annotations

import gettext
import os
import threading
from pathlib import Path

DOMAIN = "cnnstudio"
LANG_ENV = "CNNSTUDIO_LANG"
SOURCE_LANGUAGE = "en"
# The languages with a catalog; `set_language` maps "zh", "zh_CN.UTF-8", "zh-Hans" to zh_CN.
LANGUAGES = ("en", "zh_CN")

_lock = threading.Lock()
_translation: gettext.NullTranslations | None = None
_language = SOURCE_LANGUAGE


def locale_dir() -> Path:
    """Where the compiled catalogs are: `LOCALE/<lang>/LC_MESSAGES/cnnstudio.mo`."""
    from cnnstudio.locations import package_root

    return package_root() / "i18n" / "locale"


def normalise_language(value: str | None) -> str | None:
    """'zh_CN.UTF-8', 'zh-Hans', 'zh' -> 'zh_CN'; 'en_GB' -> 'en'; unknown or empty -> None."""
    if not value:
        return None
    tag = value.split(".")[0].split("@")[0].replace("-", "_").strip()
    lower = tag.lower()
    if lower in ("c", "posix", ""):
        return None
    if lower.startswith("zh"):
        # Simplified Chinese only: a Traditional locale keeps English rather than the wrong script.
        if lower in ("zh", "zh_cn", "zh_hans", "zh_sg", "zh_hans_cn"):
            return "zh_CN"
        return None
    if lower.startswith("en"):
        return "en"
    return None


def system_language() -> str:
    """The language asked by the environment: $CNNSTUDIO_LANG, then the POSIX locale variables."""
    asked = os.environ.get(LANG_ENV)
    if asked:
        return normalise_language(asked) or SOURCE_LANGUAGE
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            for part in value.split(":"):
                language = normalise_language(part)
                if language:
                    return language
            # A set variable decides even when it names a language without a catalog.
            return SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


def set_language(language: str | None = None) -> str:
    """Use `language` ('en', 'zh_CN', or any spelling `normalise_language` reads; None: the
    system's) for every later lookup. Returns the language in use."""
    global _translation, _language
    chosen = normalise_language(language) if language else system_language()
    chosen = chosen or SOURCE_LANGUAGE
    with _lock:
        if chosen == SOURCE_LANGUAGE:
            _translation = gettext.NullTranslations()
        else:
            _translation = gettext.translation(
                DOMAIN, localedir=str(locale_dir()), languages=[chosen], fallback=True
            )
        _language = chosen
    return chosen


def use_catalog(translation: gettext.NullTranslations, language: str) -> None:
    """Use `translation` for every later lookup (a pseudo-translation in the tests, a catalog
    being reviewed); `set_language` goes back to the shipped ones."""
    global _translation, _language
    with _lock:
        _translation, _language = translation, language


def current_language() -> str:
    _catalog()
    return _language


def _catalog() -> gettext.NullTranslations:
    if _translation is None:
        set_language(None)
    assert _translation is not None
    return _translation


def _(message: str) -> str:
    """`message` in the current language (English when the catalog lacks it). The empty
    text stays empty (gettext would give the catalog's header for it)."""
    return _catalog().gettext(message) if message else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted message for `count`, in the current language."""
    return _catalog().ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` told apart by `context` where one English word has two meanings."""
    return _catalog().pgettext(context, message)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now (tables of labels)."""
    return message
