"""Time from `python -m cnnstudio` to the first shown window, as a person starting the app sees
it: interpreter start-up, imports, window construction, the first show event.

    python -m benchmarks.gui_startup      # prints the numbers as JSON
    python -m benchmarks.gui_startup --command dist/cnnstudio/cnnstudio    # the frozen app

`make bench` runs it as the `startup` benchmark, for the frozen app of `make package` too when
`dist/cnnstudio/` holds one (reported next to the source figure).

Each sample is a fresh process, run offscreen with `CNNSTUDIO_STARTUP_PROBE=1` (see
`cnnstudio.gui.app`), which prints the wall-clock time of the show event and exits. The clock
starts just before the process is spawned, so the figure includes everything a user waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Check, benchmark

TARGET_SECONDS = 1.5
# Seconds each to import: the window must never wait for them.
FORBIDDEN_BEFORE_WINDOW = ("tensorflow", "keras", "cnnstudio.models")


# What `make package` builds (packaging/build.py); measured when present.
FROZEN_APP = Path(__file__).resolve().parent.parent / "dist" / "cnnstudio" / "cnnstudio"


def _one_sample(env: dict[str, str], timeout: float, command: list[str]) -> dict:
    started = time.time()
    result = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("{")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(
            f"the start-up probe failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        )
    probe = json.loads(line)
    return {
        "shown_s": probe["shown"] - started,
        "idle_s": probe["idle"] - started,
        "heavy_modules": probe["heavy_modules"],
    }


def measure_startup(runs: int = 3, timeout: float = 60.0, command: list[str] | None = None) -> dict:
    """Start the app `runs` times (after one warm-up that fills the OS file cache) and report
    the time to the first shown window: median and every sample, in seconds. `command` is what
    starts it (default: this Python, `-m cnnstudio`; the frozen app: its executable)."""
    command = command or [sys.executable, "-m", "cnnstudio"]
    # Here, not at the top: importing Qt must not weigh on the benchmarks run before this one.
    from cnnstudio.gui.app import STARTUP_PROBE_ENV

    with tempfile.TemporaryDirectory(prefix="cnnstudio-startup-") as home:
        env = {
            **os.environ,
            STARTUP_PROBE_ENV: "1",
            "QT_QPA_PLATFORM": "offscreen",
            # A private settings and runs folder: the probe must not read a user's state.
            "XDG_CONFIG_HOME": home,
            "CNNSTUDIO_HOME": home,
        }
        _one_sample(env, timeout, command)
        samples = [_one_sample(env, timeout, command) for _ in range(runs)]
    shown = [sample["shown_s"] for sample in samples]
    heavy = sorted({name for sample in samples for name in sample["heavy_modules"]})
    forbidden = [name for name in heavy if name in FORBIDDEN_BEFORE_WINDOW]
    return {
        "first_window_s": statistics.median(shown),
        "first_window_samples_s": shown,
        "first_idle_s": statistics.median(sample["idle_s"] for sample in samples),
        "target_s": TARGET_SECONDS,
        "meets_target": statistics.median(shown) <= TARGET_SECONDS and not forbidden,
        # TensorFlow, Keras or the zoo here break the promise; matplotlib only costs time.
        "imported_before_window": heavy,
    }


@benchmark("startup")
def startup_time(args: argparse.Namespace) -> list[Check]:
    result = measure_startup()
    samples = ", ".join(f"{value:.2f}" for value in result["first_window_samples_s"])
    print(
        f"startup: `cnnstudio` to its first shown window (offscreen), median of {samples} s; "
        f"idle after {result['first_idle_s']:.2f} s"
    )
    heavy = result["imported_before_window"]
    print(f"  imported before the window: {', '.join(heavy) if heavy else 'nothing heavy'}")
    value = result["first_window_s"]
    checks = [
        Check(
            "time to the first window",
            value,
            f"<= {result['target_s']:.1f} s",
            bool(result["meets_target"]),
            " s",
        )
    ]
    if FROZEN_APP.is_file():
        frozen = measure_startup(command=[str(FROZEN_APP)])
        samples = ", ".join(f"{value:.2f}" for value in frozen["first_window_samples_s"])
        print(f"startup: the frozen app ({FROZEN_APP}), median of {samples} s")
        checks.append(
            Check(
                "frozen app: time to the first window",
                frozen["first_window_s"],
                f"<= {frozen['target_s']:.1f} s",
                bool(frozen["meets_target"]),
                " s",
            )
        )
    return checks


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description="time to the first window, as JSON")
    cli.add_argument("--command", help="the program to start (default: python -m cnnstudio)")
    cli.add_argument("--runs", type=int, default=3)
    options = cli.parse_args()
    command = [options.command] if options.command else None
    print(json.dumps(measure_startup(options.runs, command=command), indent=1))
