"""Before the window: can Qt's X11 (xcb) platform plugin load on this machine?

PySide6's wheels bring Qt but not the X11 libraries its xcb plugin links to. On a fresh desktop
install (Debian with Xvfb, a minimal Ubuntu) some are missing, and creating the `QApplication`
then aborts the process: "could not load the Qt platform plugin xcb", a core dump, and only the
first missing library named (here libxcb-cursor0; libxcb-icccm4 and libxcb-keysyms1 were missing
too). This module finds all of them first, from the plugin's real dependencies (`ldd`) or, where
`ldd` is not there, from the list Qt documents, and says in one message what to install with
apt, dnf or pacman, and how to go on without installing anything. No Qt is imported here.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from cnnstudio.i18n import _

# The libraries Qt's xcb plugin needs beyond libc, as Qt's "Qt for X11 requirements" lists them;
# used when `ldd` cannot tell.
XCB_LIBRARIES = (
    "libxcb.so.1",
    "libX11-xcb.so.1",
    "libxcb-cursor.so.0",
    "libxcb-icccm.so.4",
    "libxcb-image.so.0",
    "libxcb-keysyms.so.1",
    "libxcb-randr.so.0",
    "libxcb-render-util.so.0",
    "libxcb-shape.so.0",
    "libxcb-sync.so.1",
    "libxcb-xfixes.so.0",
    "libxcb-xkb.so.1",
    "libxkbcommon.so.0",
    "libxkbcommon-x11.so.0",
)

# Library -> its package on (apt, dnf, pacman). Libraries not named here are shown by name.
_PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libSM.so.6": ("libsm6", "libSM", "libsm"),
    "libICE.so.6": ("libice6", "libICE", "libice"),
}


def _xcb_extension_packages(library: str) -> tuple[str, str, str] | None:
    """The X protocol extensions (libxcb-randr.so.0, libxcb-xkb.so.1, ...) are one package each
    on Debian (libxcb-randr0) and all part of libxcb on Fedora and Arch."""
    stem, _, version = library.partition(".so.")
    if not stem.startswith("libxcb-") or not version.isdigit():
        return None
    return (f"{stem}{version}", "libxcb", "libxcb")


def packages_for(library: str) -> tuple[str, str, str] | None:
    return _PACKAGES.get(library) or _xcb_extension_packages(library)


def uses_xcb(environ: Mapping[str, str] = os.environ, system: str = sys.platform) -> bool:
    """Will Qt pick its X11 plugin? On Linux when asked to (`QT_QPA_PLATFORM=xcb`, also first of
    a list such as `xcb;wayland`), or, unasked, on an X11 display outside a Wayland session."""
    if not system.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if requested:
        return requested == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def xcb_plugin_path() -> Path | None:
    """PySide6's `libqxcb.so`, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for candidate in (
            Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so",
            Path(folder) / "plugins" / "platforms" / "libqxcb.so",
        ):
            if candidate.is_file():
                return candidate
    return None


def missing_by_ldd(plugin: Path) -> list[str] | None:
    """The plugin's dependencies (direct and indirect) the dynamic loader cannot find, or None
    when `ldd` cannot tell. `ldd` asks the loader without running the library's code."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    # "\tlibxcb-cursor.so.0 => not found"
    missing = [
        line.split("=>")[0].strip() for line in result.stdout.splitlines() if "not found" in line
    ]
    return list(dict.fromkeys(missing))


def is_loadable(library: str) -> bool:
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True


def missing_xcb_libraries() -> list[str]:
    plugin = xcb_plugin_path()
    missing = missing_by_ldd(plugin) if plugin is not None else None
    if missing is None:
        missing = [library for library in XCB_LIBRARIES if not is_loadable(library)]
    return missing


def install_message(missing: list[str]) -> str:
    """One message: what is missing, the install command per distribution, the alternatives."""
    known = [packages_for(library) for library in missing]
    lines = [
        _(
            "cnnstudio: the desktop app cannot open on this X11 display: Qt's xcb platform "
            "plugin needs system libraries that are not installed: {libraries}."
        ).format(libraries=", ".join(missing)),
        _("  Install them with your distribution's package manager:"),
    ]
    for index, command in enumerate(
        ("sudo apt install", "sudo dnf install", "sudo pacman -S --needed")
    ):
        names = [packages[index] for packages in known if packages is not None]
        if names:
            lines.append(f"    {command} {' '.join(dict.fromkeys(names))}")
    unknown = [library for library, packages in zip(missing, known, strict=True) if not packages]
    if unknown:
        lines.append(
            _("    and the packages that provide {libraries}").format(libraries=", ".join(unknown))
        )
    lines += [
        _("  Or go on without them: on a Wayland desktop, QT_QPA_PLATFORM=wayland cnnstudio;"),
        _("  without a window, QT_QPA_PLATFORM=offscreen cnnstudio --screenshot app.png;"),
        _("  the command line needs no display at all: cnnstudio --help"),
    ]
    return "\n".join(lines)


def xcb_problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """The message to show instead of Qt's abort, or None when nothing stands in the way."""
    if not uses_xcb(environ):
        return None
    missing = missing_xcb_libraries()
    return install_message(missing) if missing else None
