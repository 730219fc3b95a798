"""Test-wide settings: no real display, the TensorFlow backend, a private CNN Studio home."""

from __future__ import annotations

import os

# Set before anything imports Qt or Keras.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest


@pytest.fixture(autouse=True)
def cnnstudio_home(tmp_path_factory, monkeypatch):
    """Every test gets its own runs folder; a user's real runs are never touched."""
    home = tmp_path_factory.mktemp("cnnstudio_home")
    monkeypatch.setenv("CNNSTUDIO_HOME", str(home))
    return home


# --- peak resident memory: no test process may pass 4 GB --------------------------------------
# The zoo's tests once drove a worker to 19 GB of a 24 GB machine and the kernel killed it. The
# peak (VmHWM) is checked after every test, so the test that crosses the line is the one named;
# each worker's peak is printed at the end of the run.

MEMORY_LIMIT_BYTES = int(float(os.environ.get("CNNSTUDIO_TEST_MEMORY_LIMIT_GB", "4")) * 1e9)
_memory_limit_reported = False
_WORKER_PEAKS = pytest.StashKey[dict]()


def peak_resident_bytes() -> int | None:
    """This process's peak resident memory, or None where /proc is not there (macOS, Windows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


@pytest.fixture(autouse=True)
def resident_memory_limit(request):
    yield
    global _memory_limit_reported
    peak = peak_resident_bytes()
    if peak is not None and peak > MEMORY_LIMIT_BYTES and not _memory_limit_reported:
        _memory_limit_reported = True
        pytest.fail(
            f"the test process's peak resident memory reached {peak / 1e9:.2f} GB after "
            f"{request.node.nodeid}, over the {MEMORY_LIMIT_BYTES / 1e9:g} GB limit",
            pytrace=False,
        )


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: tell the controller its peak
        workeroutput["peak_resident_bytes"] = peak_resident_bytes()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    peaks = node.config.stash.setdefault(_WORKER_PEAKS, {})
    peaks[node.gateway.id] = node.workeroutput.get("peak_resident_bytes")


def pytest_terminal_summary(terminalreporter, config):
    peaks = config.stash.get(_WORKER_PEAKS, None) or {"main": peak_resident_bytes()}
    shown = ", ".join(
        f"{name} {peak / 1e9:.2f} GB" for name, peak in sorted(peaks.items()) if peak is not None
    )
    if shown:
        terminalreporter.write_line(
            f"peak resident memory per test process: {shown} "
            f"(limit {MEMORY_LIMIT_BYTES / 1e9:g} GB)"
        )
