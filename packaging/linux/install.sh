#!/bin/sh
# Install CNN Studio for the current user, from the unpacked .tar.gz (no root, no network):
#
#   the program        $XDG_DATA_HOME/cnnstudio/app/      (default ~/.local/share/cnnstudio/app)
#   the command        ~/.local/bin/cnnstudio              (a small launcher script)
#   the menu entry     $XDG_DATA_HOME/applications/cnnstudio.desktop
#   the icons          $XDG_DATA_HOME/icons/hicolor/NxN/apps/cnnstudio.png
#   the uninstaller    $XDG_DATA_HOME/cnnstudio/uninstall.sh
#
# Your runs live in $XDG_DATA_HOME/cnnstudio/runs; installing again (an update) replaces only
# app/ and keeps them. HOME, XDG_DATA_HOME and XDG_BIN_HOME are honoured (the tests install into
# a temporary home this way).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
BIN_DIR=${XDG_BIN_HOME:-$HOME/.local/bin}
PREFIX=$DATA_HOME/cnnstudio
APP=$PREFIX/app
LAUNCHER=$BIN_DIR/cnnstudio
DESKTOP=$DATA_HOME/applications/cnnstudio.desktop
ICONS=$DATA_HOME/icons/hicolor
MANIFEST=$PREFIX/installed-files.txt

say() { printf '%s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ -x "$HERE/cnnstudio/cnnstudio" ] || fail "no program at $HERE/cnnstudio/cnnstudio: run install.sh from the unpacked archive"
[ -f "$HERE/cnnstudio.desktop" ] || fail "cnnstudio.desktop is missing next to install.sh"

mkdir -p "$PREFIX" "$BIN_DIR" "$DATA_HOME/applications" || fail "cannot create folders under $DATA_HOME and $BIN_DIR"

# The program: copied beside the old one, then swapped in, so a failed copy (a full disk) leaves
# the installed version working.
rm -rf "$APP.new" "$APP.old"
cp -R "$HERE/cnnstudio" "$APP.new" || { rm -rf "$APP.new"; fail "copying the program to $APP failed (disk full?)"; }
if [ -e "$APP" ]; then mv "$APP" "$APP.old"; fi
mv "$APP.new" "$APP"
rm -rf "$APP.old"

# The command: a script, not a symbolic link, so that moving the bundle needs only this file.
cat > "$LAUNCHER" <<LAUNCH
#!/bin/sh
# CNN Studio launcher, written by install.sh; remove with $PREFIX/uninstall.sh
exec "$APP/cnnstudio" "\$@"
LAUNCH
chmod 755 "$LAUNCHER"

# The menu entry runs the launcher by its full path: ~/.local/bin is not on every desktop's PATH.
sed -e "s|^Exec=.*|Exec=\"$LAUNCHER\"|" "$HERE/cnnstudio.desktop" > "$DESKTOP"
chmod 644 "$DESKTOP"

icons_installed=""
for icon in "$HERE"/icons/cnnstudio-*.png; do
    [ -f "$icon" ] || continue
    size=${icon##*/cnnstudio-}
    size=${size%.png}
    mkdir -p "$ICONS/${size}x${size}/apps"
    cp "$icon" "$ICONS/${size}x${size}/apps/cnnstudio.png"
    icons_installed="$icons_installed $ICONS/${size}x${size}/apps/cnnstudio.png"
done

cp "$HERE/uninstall.sh" "$PREFIX/uninstall.sh"
chmod 755 "$PREFIX/uninstall.sh"
{
    printf '%s\n' "$LAUNCHER" "$DESKTOP"
    for icon in $icons_installed; do printf '%s\n' "$icon"; done
} > "$MANIFEST"

# Menus and icon themes notice new files by themselves on most desktops; these make sure.
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$ICONS/index.theme" ]; then
    gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
fi

# Does the installed program start? (--version loads neither Qt nor TensorFlow: a second.)
version=$("$APP/cnnstudio" --version 2>&1) || fail "the installed program does not start: $version"

say "Installed $version for $(id -un 2>/dev/null || echo you):"
say "  program     $APP"
say "  command     $LAUNCHER"
say "  menu entry  $DESKTOP"
say "  uninstall   $PREFIX/uninstall.sh"
case ":${PATH:-}:" in
    *":$BIN_DIR:"*) ;;
    *) say "Note: $BIN_DIR is not on your PATH; add it (export PATH=\"$BIN_DIR:\$PATH\") or run $LAUNCHER" ;;
esac
say "Check it:  $LAUNCHER --self-test"
