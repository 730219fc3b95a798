"""Regenerate the shipped Chinese font, `cnnstudio/resources/fonts/NotoSansCJKsc-Subset.otf`:
Noto Sans CJK SC cut down to printable ASCII and every character of the zh_CN catalog.

    python packaging/make_cjk_font.py --write     # or --check

Why a subset: the app must show its Chinese on a machine with no CJK font (a bare Linux, a
Windows without the language pack). The whole font is 20 MB; the catalog uses about two thousand
characters, a few hundred kilobytes. The app uses it only when QFontDatabase has no system font
for Simplified Chinese (cnnstudio/gui/ground/fonts.py), so a person's own names still get a
full font wherever one exists.

The source is the Noto Sans CJK collection (SIL Open Font License 1.1, OFL.txt beside the
subset); Debian's fonts-noto-cjk installs it where SOURCE points. --check verifies that the
shipped subset covers the catalog (run it after adding translations) and that its licence is
there; it does not need the source font. A generator of a shipped file, so it lives here and
not in the runtime package.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "cnnstudio" / "resources" / "fonts"
FONT_PATH = FONT_DIR / "NotoSansCJKsc-Subset.otf"
LICENCE_PATH = FONT_DIR / "OFL.txt"
CATALOG = ROOT / "cnnstudio" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "cnnstudio.po"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"
REGENERATE_COMMAND = "python packaging/make_cjk_font.py --write"
# Texts shown in Chinese that are not catalog entries (the language's own name in the menu) and
# the punctuation a translator may add later without a new character check failing at once.
EXTRA = "简体中文，。：；、（）“”‘’！？《》【】…·—–×→←"


def required_characters(catalog: Path = CATALOG) -> set[str]:
    """Printable ASCII, EXTRA and every character of the catalog's translations."""
    from babel.messages.pofile import read_po

    with open(catalog, "rb") as handle:
        messages = read_po(handle, locale="zh_CN")
    characters = {chr(code) for code in range(0x20, 0x7F)} | set(EXTRA)
    for message in messages:
        strings = [message.string] if isinstance(message.string, str) else message.string
        for text in strings:
            characters.update(text or "")
    # Line breaks and tabs are layout, not glyphs.
    return {c for c in characters if c.isprintable()}


def covered_characters(path: Path) -> set[str]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path)) as font:
        return {chr(code) for code in font.getBestCmap()}


def _source_font(source: Path):
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() == ".ttc":
        collection = TTCollection(str(source), lazy=False)
        for font in collection.fonts:
            if font["name"].getDebugName(1) == FAMILY:
                return font
        raise SystemExit(f"{source} holds no {FAMILY}")
    return TTFont(str(source), lazy=False)


def write_subset(source: Path, out: Path, characters: set[str]) -> int:
    """Write the subset of `source` for `characters`; returns how many it covers."""
    from fontTools import subset

    font = _source_font(source)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence records (OFL condition 2)
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # CFF hints add size and little at screen sizes
    options.desubroutinize = True  # smaller once the subset has few glyphs to share them
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in sorted(characters)])
    subsetter.subset(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".tmp")
    font.save(str(temporary))
    temporary.replace(out)  # atomic: a crash leaves the previous subset
    return len(covered_characters(out) & characters)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python packaging/make_cjk_font.py",
        description="Cut Noto Sans CJK SC down to the characters of the zh_CN catalog.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"rewrite {FONT_PATH.name}")
    action.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when the shipped subset lacks a character of the catalog or its licence",
    )
    parser.add_argument(
        "--source", type=Path, default=SOURCE, help=f"the Noto Sans CJK font (default {SOURCE})"
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        metavar="PO",
        help="with --write: cover this catalog's characters too (another branch's, before a merge)",
    )
    args = parser.parse_args(argv)
    needed = required_characters()
    if args.write:
        for catalog in args.also:
            needed |= required_characters(catalog)
    if args.write:
        if not args.source.is_file():
            print(f"{args.source} not found (Debian: apt install fonts-noto-cjk)", file=sys.stderr)
            return 1
        count = write_subset(args.source, FONT_PATH, needed)
        size = FONT_PATH.stat().st_size
        print(f"wrote {FONT_PATH} ({count} characters, {size // 1024} KB)")
        return 0
    if not LICENCE_PATH.is_file():
        print(f"{LICENCE_PATH} is missing: the OFL asks for the licence beside the font")
        return 1
    missing = needed - covered_characters(FONT_PATH) if FONT_PATH.is_file() else needed
    if missing:
        sample = "".join(sorted(missing)[:20])
        print(
            f"{len(missing)} characters missing from the subset (e.g. {sample}); run "
            f"{REGENERATE_COMMAND}"
        )
        return 1
    print("the subset covers the catalog")
    return 0


if __name__ == "__main__":
    sys.exit(main())
