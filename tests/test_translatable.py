"""Every user-visible string of gui/ and cli/ goes through the catalog, and the shipped catalog
is current with the sources (issue 20, section 3)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cnnstudio"
CATALOG = PACKAGE / "i18n"

# Calls that put their text argument(s) on screen or on the terminal: name -> which arguments
# hold text ("*": every positional; an int: that positional; keywords by name).
TEXT_CALLS: dict[str, tuple] = {
    **dict.fromkeys(
        [
            "setText",
            "setToolTip",
            "setPlaceholderText",
            "setWhatsThis",
            "setStatusTip",
            "setWindowTitle",
            "setTitle",
            "setTabText",
            "setLabelText",
            "showMessage",
            "show_message",
            "_show_message",
            "set_message",
            "set_placeholder",
            "show_error",
            "show_nothing",
            "confirm",
            "setHeaderLabels",
            "setHorizontalHeaderLabels",
            "setVerticalHeaderLabels",
            "setAccessibleName",
            "setAccessibleDescription",
            "setInformativeText",
            "setDetailedText",
            "setPlainText",
            "setHtml",
            "setFormat",
            "setSpecialValueText",
            "setSuffix",
            "setPrefix",
            "QLabel",
            "QPushButton",
            "QCheckBox",
            "QRadioButton",
            "QGroupBox",
            "QToolButton",
            "QListWidgetItem",
            "note",
            "print",
            "UsageError",
            "set_xlabel",
            "set_ylabel",
            "set_title",
        ],
        ("*",),
    ),
    "QAction": (0,),
    "addItem": (0,),
    "addTab": (1,),
    "addMenu": (0,),
    "addRow": (0,),
    "add_view": (1,),
    "warning": (1, 2),
    "information": (1, 2),
    "critical": (1, 2),
    "question": (1, 2),
    "getOpenFileName": (1,),
    "getSaveFileName": (1,),
    "getExistingDirectory": (1,),
    "getText": (1, 2),
    "add_argument": ("help",),
    "add_parser": ("help", "description", "epilog"),
    "ArgumentParser": ("description", "epilog"),
    "Parser": ("description", "epilog"),
}
# Qt properties given as keywords to any constructor (`QLineEdit(placeholderText=...)`).
TEXT_KEYWORDS = {
    "text",
    "toolTip",
    "placeholderText",
    "statusTip",
    "whatsThis",
    "windowTitle",
    "title",
    "accessibleName",
    "accessibleDescription",
    "label",  # matplotlib's legend entries
}
# Text that is not a sentence of ours: product names and identifiers a person types.
NOT_SENTENCES = {"CNN Studio", "English", "简体中文", "LeNet-5"}


def has_letters(text: str) -> bool:
    return any(character.isalpha() for character in text)


def unwrapped(node: ast.AST) -> bool:
    """A literal with letters reaches the screen as written: directly, as an f-string, one
    branch of `a if c else b`, one side of `+`, or an item of a list or tuple."""
    if isinstance(node, ast.IfExp):
        return unwrapped(node.body) or unwrapped(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return unwrapped(node.left) or unwrapped(node.right)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(unwrapped(item) for item in node.elts)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return has_letters(node.value) and node.value not in NOT_SENTENCES
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and has_letters(str(part.value)) for part in node.values
        )
    return False


def text_arguments(call: ast.Call, which: tuple) -> list[ast.AST]:
    found = []
    for spec in which:
        if spec == "*":
            found += list(call.args)
        elif isinstance(spec, int):
            found += call.args[spec : spec + 1]
        else:
            found += [keyword.value for keyword in call.keywords if keyword.arg == spec]
    if "*" in which:
        found += [k.value for k in call.keywords if k.arg in ("text", "title", "help")]
    return found


def unwrapped_strings(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            arguments = [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
            if name in TEXT_CALLS:
                arguments += text_arguments(node, TEXT_CALLS[name])
            for argument in arguments:
                if unwrapped(argument):
                    where = f"{path.relative_to(root)}:{argument.lineno}"
                    problems.append(f"{where}: {name}({ast.unparse(argument)[:60]})")
    return problems


@pytest.mark.parametrize("folder", ["gui", "cli"])
def test_every_visible_string_goes_through_the_catalog(folder):
    problems = unwrapped_strings(PACKAGE / folder)
    assert problems == [], "wrap these in _() (cnnstudio.i18n):\n" + "\n".join(problems)


def test_the_check_finds_an_unwrapped_string(tmp_path):
    (tmp_path / "view.py").write_text(
        "from cnnstudio.i18n import _\n"
        "label.setText('Loaded')\n"
        "label.setText(_('Loaded'))\n"
        "print(f'{count} images skipped')\n"
        "parser.add_argument('--out', help='where to write')\n"
        "combo.addItem(_('Final model'), 'final')\n"
        "self.show_message(f'Loading {name}…')\n"
        "self.show_message(_('Loading {name}…').format(name=name))\n"
        "edit = QLineEdit(objectName='runFilter', placeholderText='Filter runs…')\n"
        "button.setToolTip('Resume' if ok else 'Select a run')\n"
        "detail.setText('Top three: ' + ranked)\n"
        "table.setHeaderLabels(['Model', _('Year')])\n"
        "label.setText(f'{value} {unit}')\n"
    )
    found = unwrapped_strings(tmp_path)
    assert [line.split(": ", 1)[1] for line in found] == [
        "setText('Loaded')",
        "print(f'{count} images skipped')",
        "add_argument('where to write')",
        "show_message(f'Loading {name}…')",
        "QLineEdit('Filter runs…')",
        "setToolTip('Resume' if ok else 'Select a run')",
        "setText('Top three: ' + ranked)",
        "setHeaderLabels(['Model', _('Year')])",
    ]


def test_the_shipped_template_holds_exactly_the_texts_of_the_sources():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    method_map = [("**.py", "python")]
    extracted = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=method_map
    ):
        extracted.add(message if isinstance(message, str) else message[0])
    with open(CATALOG / "cnnstudio.pot", "rb") as handle:
        shipped = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing, stale = extracted - shipped, shipped - extracted
    assert not missing and not stale, (
        f"run `make translations`: {len(missing)} new text(s), e.g. {sorted(missing)[:3]}; "
        f"{len(stale)} gone, e.g. {sorted(stale)[:3]}"
    )


def test_the_compiled_chinese_catalog_matches_its_source():
    from babel.messages.pofile import read_po

    folder = CATALOG / "locale" / "zh_CN" / "LC_MESSAGES"
    with open(folder / "cnnstudio.po", "rb") as handle:
        source = read_po(handle, locale="zh_CN")
    with open(folder / "cnnstudio.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    translated = [m for m in source if m.id and m.string and isinstance(m.id, str)]
    assert len(translated) >= 50
    for message in translated:
        # A message with a context (pgettext) is looked up with it, as the app does.
        found = (
            compiled.pgettext(message.context, message.id)
            if message.context
            else compiled.gettext(message.id)
        )
        assert found == message.string, "run `make translations`"


def _fields(text: str) -> list[str]:
    """The replacement fields of a format string, as written ("{value:.1%}" -> "value:.1%")."""
    import string

    fields = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.append(f"{name}!{conversion or ''}:{spec or ''}")
    return sorted(fields)


def test_every_entry_has_its_chinese_with_the_same_placeholders_and_markup():
    """Nothing of the app is left in English in Chinese (issue 24), and no translation drops or
    renames a placeholder (a KeyError at run time) or a tag."""
    from babel.messages.pofile import read_po

    with open(CATALOG / "locale" / "zh_CN" / "LC_MESSAGES" / "cnnstudio.po", "rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    untranslated, broken = [], []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        chinese = message.string if isinstance(message.string, str) else message.string[0]
        if not chinese or message.fuzzy:
            untranslated.append(english)
            continue
        try:
            same = _fields(english) == _fields(chinese)
        except ValueError:  # a brace that is not a field (rare): compare the braces
            same = (english.count("{"), english.count("}")) == (
                chinese.count("{"),
                chinese.count("}"),
            )
        if not same or english.count("<") != chinese.count("<"):
            broken.append(english)
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert broken == [], f"placeholders or tags differ: {broken[:3]}"


def test_the_language_follows_the_environment_and_falls_back_to_english(monkeypatch):
    from cnnstudio import i18n

    try:
        monkeypatch.setenv("CNNSTUDIO_LANG", "zh_CN.UTF-8")
        assert i18n.set_language(None) == "zh_CN" and i18n._("&File") == "文件(&F)"
        assert i18n._("a sentence no catalog has") == "a sentence no catalog has"
        monkeypatch.setenv("CNNSTUDIO_LANG", "zh_TW")  # Traditional: no catalog, so English
        assert i18n.set_language(None) == "en"
        monkeypatch.delenv("CNNSTUDIO_LANG")
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")
        monkeypatch.delenv("LANGUAGE", raising=False)
        monkeypatch.delenv("LC_ALL", raising=False)
        monkeypatch.delenv("LC_MESSAGES", raising=False)
        assert i18n.set_language(None) == "zh_CN"
    finally:
        i18n.set_language("en")
