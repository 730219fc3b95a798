#!/bin/sh
# macOS: the .app bundle and a .dmg disk image. UNTESTED: written for, not yet run on, macOS (no
# Mac was at hand). Run on a Mac from the repository root after `pip install -e ".[package]"`:
#
#   sh packaging/macos/make_dmg.sh
#
# PyInstaller's spec makes "dist/CNN Studio.app" on macOS (its BUNDLE step); this script builds
# it, runs the frozen self-test from inside the .app, and makes
# dist/cnnstudio-<version>-macos-<arch>.dmg with hdiutil (part of macOS) holding the .app and a
# link to /Applications to drag it onto. The app is not signed or notarised: on first start,
# right-click > Open (or: xattr -dr com.apple.quarantine "/Applications/CNN Studio.app").
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VERSION=$(python3 -c 'import re,pathlib; print(re.search(r"__version__ = \"(.+?)\"", pathlib.Path("cnnstudio/__init__.py").read_text()).group(1))')
ARCH=$(uname -m)
APP="dist/CNN Studio.app"
DMG="dist/cnnstudio-$VERSION-macos-$ARCH.dmg"

python3 -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/cnnstudio.spec
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/cnnstudio" --self-test

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "CNN Studio $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
echo "made $DMG"
