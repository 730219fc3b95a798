"""Where CNN Studio's files are: what it ships (read-only) and what it keeps for the user.

Shipped files (the bundled data, the pretrained LeNet-5, the icon) sit in `cnnstudio/resources`
inside the package. From a source checkout or a pip install that is next to this module; in the
frozen app (PyInstaller, `sys.frozen`) it is under the bundle's folder, `sys._MEIPASS`, where
the spec puts the same tree. `resource_path()` is the one way to reach them, in both cases.

What the user makes (runs, logs) never goes into the bundle, which may be read-only and is
replaced on every update: it goes to the platform's user folders (`platformdirs`), or under
`$CNNSTUDIO_HOME` when that is set (tests, portable installs), as `engine.runs.runs_root` does.
No Qt and no TensorFlow here: the CLI, the engine and the GUI all use it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

APP_NAME = "cnnstudio"
HOME_ENV = "CNNSTUDIO_HOME"


def is_frozen() -> bool:
    """Running from the PyInstaller bundle rather than from Python."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def package_root() -> Path:
    """The folder that holds the `cnnstudio` package's files (frozen or not)."""
    if is_frozen():
        return Path(sys._MEIPASS) / "cnnstudio"  # type: ignore[attr-defined]
    return Path(__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    """A shipped file or folder under `cnnstudio/resources`, e.g. `resource_path("data",
    "mnist_5k.npz")`. Not checked for existence: the caller says what is missing and why."""
    return package_root().joinpath("resources", *parts)


def user_data_dir() -> Path:
    """The user's data folder (runs live in its `runs/`); not created here."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    """Where crash logs go (`~/.local/state/cnnstudio/log` on Linux); not created here."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home) / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def user_cache_dir() -> Path:
    """Caches that can be rebuilt (matplotlib's font list); not created here."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home) / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def keep_matplotlib_cache(environ: MutableMapping[str, str] = os.environ) -> None:
    """In the frozen app, matplotlib's cache goes to the user's cache folder.

    PyInstaller's matplotlib run-time hook points MPLCONFIGDIR at a new temporary folder at
    every start, so matplotlib would rebuild its font cache each time the charts first draw
    (0.5 s here; seconds on a desktop with many fonts). The frozen entry point
    (packaging/launch.py) calls this after the hooks ran. From source nothing changes."""
    if is_frozen():
        environ["MPLCONFIGDIR"] = str(user_cache_dir() / "matplotlib")


class UnknownHomeError(ValueError):
    """A `~user/...` path whose user this system does not know."""

    code = "unknown_home"


def expand_user_path(text: str | os.PathLike[str]) -> Path:
    """`text` as a path with `~` and `~user` expanded; `UnknownHomeError` (a ValueError, so one
    clear line wherever paths are read) for a `~nosuchuser/...` that Python cannot expand."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:  # pathlib's "Could not determine home directory."
        from cnnstudio.i18n import _

        user = str(text).split("/", 1)[0].split(os.sep, 1)[0]
        raise UnknownHomeError(
            _(
                "{path}: there is no user {user!r} on this system, so {user} cannot be expanded"
            ).format(path=text, user=user)
        ) from None
