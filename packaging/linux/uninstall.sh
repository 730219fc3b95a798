#!/bin/sh
# Remove CNN Studio as install.sh installed it for the current user: the program, the command,
# the menu entry and the icons. Your runs ($XDG_DATA_HOME/cnnstudio/runs) and settings are kept
# unless you add --remove-data. HOME, XDG_DATA_HOME and XDG_BIN_HOME are honoured as in install.sh.
set -eu

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
BIN_DIR=${XDG_BIN_HOME:-$HOME/.local/bin}
PREFIX=$DATA_HOME/cnnstudio
MANIFEST=$PREFIX/installed-files.txt
REMOVE_DATA=0

for arg in "$@"; do
    case "$arg" in
        --remove-data) REMOVE_DATA=1 ;;
        -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
        *) printf 'uninstall.sh: unknown option %s (only --remove-data)\n' "$arg" >&2; exit 2 ;;
    esac
done

if [ ! -d "$PREFIX/app" ] && [ ! -f "$MANIFEST" ]; then
    printf 'CNN Studio is not installed under %s; nothing to do.\n' "$PREFIX"
    exit 0
fi

# What install.sh wrote, as it listed it; the usual places too, for an install without a list.
{
    if [ -f "$MANIFEST" ]; then cat "$MANIFEST"; fi
    printf '%s\n' "$BIN_DIR/cnnstudio" "$DATA_HOME/applications/cnnstudio.desktop"
} | sort -u | while IFS= read -r file; do
    if [ -n "$file" ]; then rm -f "$file"; fi
done
for dir in "$DATA_HOME"/icons/hicolor/*/apps; do
    if [ -f "$dir/cnnstudio.png" ]; then rm -f "$dir/cnnstudio.png"; fi
done
rm -rf "$PREFIX/app" "$PREFIX/app.new" "$PREFIX/app.old"
rm -f "$MANIFEST" "$PREFIX/uninstall.sh"

if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
fi

if [ "$REMOVE_DATA" = 1 ]; then
    rm -rf "$PREFIX"
    printf 'CNN Studio and its data (%s) removed.\n' "$PREFIX"
else
    rmdir "$PREFIX" 2>/dev/null || true
    printf 'CNN Studio removed.\n'
    if [ -d "$PREFIX" ]; then
        printf 'Your runs and data are kept in %s (uninstall.sh --remove-data deletes them).\n' "$PREFIX"
    fi
fi
