"""The frozen app's entry point (PyInstaller runs this script): the `cnnstudio` command."""

import multiprocessing

from cnnstudio.cli import main
from cnnstudio.locations import keep_matplotlib_cache

if __name__ == "__main__":
    # A frozen program that starts child processes must say so first (Windows and macOS spawn).
    multiprocessing.freeze_support()
    keep_matplotlib_cache()
    raise SystemExit(main())
