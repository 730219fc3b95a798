"""The arrows point one way: models and engine never import Qt or the GUI."""

from __future__ import annotations

import subprocess
import sys


def test_models_and_engine_do_not_import_qt():
    code = (
        "import sys, cnnstudio.models, cnnstudio.engine, pkgutil, importlib\n"
        "for pkg in (cnnstudio.models, cnnstudio.engine):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', "
        "'cnnstudio.gui')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "", f"Qt imported by the engine or models: {result.stdout}"
