"""The frozen app's entry point (PyInstaller runs this script): the `cnnstudio` command."""

import multiprocessing

from cnnstudio.cli import main

if __name__ == "__main__":
    # A frozen program that starts child processes must say so first (Windows and macOS spawn).
    multiprocessing.freeze_support()
    raise SystemExit(main())
