"""A quiet, fast command line: the commands that need no TensorFlow do not import it, and
TensorFlow's own log stays off the terminal unless asked for.

Fast is checked by what gets imported, not by the clock (a timing bound fails on a busy machine);
`/usr/bin/time cnnstudio models` shows the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cnnstudio.cli import build_parser
from cnnstudio.cli.tf_logging import (
    LEVEL_ENV,
    QUIET_LEVEL,
    VERBOSE_ENV,
    configure_tensorflow_logging,
    without_tensorflow_log,
)

HEAVY_MODULES = ("tensorflow", "keras", "cnnstudio.models")

# Runs each command line in one process, in turn, and names the first after which a heavy module
# was imported; the commands' own output goes to stdout, the verdict is its last line.
PROBE = f"""
import json, sys
from cnnstudio.cli import main

imported = {{}}
for argv in json.loads(sys.argv[1]):
    try:
        main(argv)
    except SystemExit:
        pass  # --help exits
    heavy = [name for name in {HEAVY_MODULES!r} if name in sys.modules]
    if heavy:
        imported = {{"command": " ".join(argv) or "(none)", "heavy": heavy}}
        break
print(json.dumps(imported))
"""


def _quiet_environment() -> dict[str, str]:
    """This environment without the test settings that would hide what a user sees."""
    return {key: value for key, value in os.environ.items() if key not in (LEVEL_ENV, VERBOSE_ENV)}


def _commands() -> list[str]:
    (commands,) = (action for action in build_parser()._actions if action.dest == "command")
    return sorted(commands.choices)


def test_listing_commands_and_every_help_do_not_import_tensorflow():
    lines = [
        ["models"],
        ["models", "--family", "resnet", "--json"],
        ["datasets"],
        ["runs"],
        ["--help"],
        *([command, "--help"] for command in _commands()),
        ["runs", "rename", "--help"],
    ]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(lines)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_quiet_environment(),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {}, "a listing loaded TensorFlow"
    assert result.stderr == ""
    assert "resnet50" in result.stdout and "mnist-5k" in result.stdout


@pytest.mark.parametrize(
    "argv",
    [["summary", "nosuch"], ["train", "--model", "nosuch"]],
    ids=" ".join,
)
def test_unknown_model_is_one_line_though_tensorflow_loads(argv):
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_quiet_environment(),
    )
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"cnnstudio {argv[0]}: error: unknown model 'nosuch'")


def test_tensorflow_log_is_quiet_by_default_and_verbose_brings_it_back():
    environ: dict[str, str] = {}
    configure_tensorflow_logging(False, environ)
    assert environ == {LEVEL_ENV: QUIET_LEVEL}

    users_own = {LEVEL_ENV: "1"}
    configure_tensorflow_logging(False, users_own)
    assert users_own == {LEVEL_ENV: "1"}

    for verbose, environ in ((True, {LEVEL_ENV: "2"}), (False, {VERBOSE_ENV: "1"})):
        configure_tensorflow_logging(verbose, environ)
        assert environ[LEVEL_ENV] == "0"
    environ = {VERBOSE_ENV: "0"}
    configure_tensorflow_logging(False, environ)
    assert environ[LEVEL_ENV] == QUIET_LEVEL


@pytest.mark.parametrize(
    ("argv", "verbose"),
    [(["models"], False), (["--verbose", "models"], True), (["train", "--verbose"], True)],
    ids=["models", "--verbose models", "train --verbose"],
)
def test_verbose_goes_before_or_after_the_command(argv, verbose):
    assert build_parser().parse_args(argv).verbose is verbose


def test_the_import_filter_drops_the_cpp_log_and_keeps_python_warnings():
    caught = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796220134.711276   12020 port.cc:153] oneDNN custom operations are on.\n"
        "I0000 00:00:1796220134.834774   12020 cpu_feature_guard.cc:227] This TensorFlow binary\n"
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild.\n"
        "E0000 00:00:1796220134.9   12020 cuda_driver.cc:152] failed call to cuInit: UNKNOWN\n"
        "/site-packages/x.py:3: DeprecationWarning: this goes away\n"
        "  import y\n"
        "F0000 00:00:1796220135.0   12020 main.cc:1] out of luck\n"
    )
    assert without_tensorflow_log(caught) == (
        "/site-packages/x.py:3: DeprecationWarning: this goes away\n"
        "  import y\n"
        "F0000 00:00:1796220135.0   12020 main.cc:1] out of luck\n"
    )


def test_tensorflows_python_warnings_such_as_retracing_stay_off_the_terminal(caplog):
    import logging

    import tensorflow as tf

    try:
        configure_tensorflow_logging(False, {})
        with caplog.at_level(logging.WARNING):
            step = tf.function(lambda x: x + 1)
            for size in range(1, 9):  # a new shape each call: TensorFlow's retracing advice
                step(tf.zeros([size]))
        assert not [r for r in caplog.records if "retracing" in r.getMessage()]
        configure_tensorflow_logging(True, {})  # --verbose: everything again
        assert logging.getLogger("tensorflow").isEnabledFor(logging.WARNING)
    finally:
        configure_tensorflow_logging(False, {})
