"""TensorFlow's own log lines, off by default on the command line.

Importing TensorFlow 2.21 prints 6-9 lines on stderr before a command says anything, even before
a one-line "unknown model": the oneDNN notice, "Could not find cuda drivers" (or, with drivers
but no usable GPU, "failed call to cuInit: CUDA error"), CPU features, each burst preceded by
absl's "All log messages before absl::InitializeLog() ...". Two things silence them:

* `TF_CPP_MIN_LOG_LEVEL=3`, set before TensorFlow loads (it is read once), quiets TensorFlow's
  own logger from then on. The errors that matter reach Python as exceptions, which the command
  prints as one line.
* The notices printed while TensorFlow's libraries load go through absl's logging before it is
  initialised, which no setting reaches; so the first `import tensorflow` runs with the
  process's stderr (file descriptor 2) caught in a file, and what was caught is written back
  without the lines in the C++ log format (`I0000 00:00:...] ...`, severity I, W or E). Anything
  else, Python's warnings among them, still appears, once the import is done.

A person who wants the log back passes `--verbose` or sets `CNNSTUDIO_VERBOSE=1`; otherwise a
`TF_CPP_MIN_LOG_LEVEL` already set in the environment is theirs and is kept.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile
from collections.abc import Iterator, MutableMapping

from cnnstudio.engine.devices.tf_workarounds import (
    VERBOSE_ENV,  # noqa: F401  (named here by the command line and its tests)
    quiet_python_log,
    verbose_requested,
)

LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"
QUIET_LEVEL = "3"

# "I0000 00:00:1796220134.711276   12020 port.cc:153] ..." (glog/absl format); F (fatal) is kept.
_LOG_RECORD = re.compile(r"^[IWE]\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called"
# The start of anything else: another C++ record, or a Python warning ("file.py:12: ...Warning").
_NEW_MESSAGE = re.compile(r"^([IWEF]\d{4} |WARNING: |\S+:\d+: \w*Warning: )")


def configure_tensorflow_logging(
    verbose: bool, environ: MutableMapping[str, str] = os.environ
) -> bool:
    """Set TensorFlow's log level, before it is imported; True when its log should be quiet."""
    if verbose or verbose_requested(environ):
        # Verbose asks for everything, over a level the environment set (make's test settings).
        environ[LEVEL_ENV] = "0"
        quiet_python_log(False)
        return False
    environ.setdefault(LEVEL_ENV, QUIET_LEVEL)
    quiet_python_log()
    return True


def without_tensorflow_log(text: str) -> str:
    """`text` (caught stderr) without TensorFlow's C++ log records and their continuation
    lines (the CPU-features notice takes two)."""
    kept, dropping = [], False
    for line in text.splitlines(keepends=True):
        if _LOG_RECORD.match(line) or line.startswith(_ABSL_PREAMBLE):
            dropping = True
        elif _NEW_MESSAGE.match(line):
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def tensorflow_log_filtered() -> Iterator[None]:
    """Catch file descriptor 2 while the body runs; write it back, filtered, afterwards."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all (a daemon): nothing to keep quiet
        yield
        return
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            text = without_tensorflow_log(caught.read().decode(errors="replace"))
            if text:
                sys.stderr.write(text)
                sys.stderr.flush()


class _FilteredLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:  # type: ignore[no-untyped-def]
        with tensorflow_log_filtered():
            self.loader.exec_module(module)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.loader, name)  # resource readers and the like: the real loader's


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` once, as Python would, and has it loaded under the filter. Whatever
    imports it first (Keras, the engine, a data set) is covered; later imports are free."""

    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _FilteredLoader(spec.loader)
        return spec


def quiet_tensorflow_import() -> None:
    """Filter the log of TensorFlow's first import in this process (see the module's text)."""
    if "tensorflow" in sys.modules:
        return
    if not any(isinstance(finder, _QuietTensorFlowImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowImport())
