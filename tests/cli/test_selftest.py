"""`cnnstudio --self-test` from source (the frozen app runs the same code: `make package`), the
verdict's rules, and the CLI's last resort for a bug: a crash log and one line that says where."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnstudio import cli, selftest
from cnnstudio.selftest import FAIL, OK, SKIP, Skip, run_self_test

STEP_NAMES = [name for name, _ in selftest.STEPS]


def test_the_self_test_passes_from_source(tmp_path):
    """The whole self-test in a fresh process, as a user runs it (about 40 s, under 2 GB)."""
    env = {
        **os.environ,
        "CNNSTUDIO_HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cnnstudio", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    lines = out.splitlines()
    assert lines[0].startswith("CNN Studio ") and "from source" in lines[0]
    steps = {line.split()[1]: line.split()[0] for line in lines[1:-1] if line.startswith("  ")}
    assert list(steps) == STEP_NAMES
    for name in ("tensorflow", "zoo", "training", "export", "gui"):
        assert steps[name] == OK, out
    # The pretrained model is the drawing pad's; until it is bundled, a skip with a note.
    assert steps["pretrained"] in (OK, SKIP)
    assert lines[-1].startswith("self-test passed")
    # Nothing of the check stays in the user's folders.
    assert not (tmp_path / "home" / "runs").exists()


def _steps(*outcomes: str):
    def make(outcome: str):
        def step(context: selftest.Context) -> str:
            if outcome == SKIP:
                raise Skip("not here")
            if outcome == FAIL:
                raise RuntimeError("broken\nsecond line")
            return "fine"

        return step

    return [(f"step{index}", make(outcome)) for index, outcome in enumerate(outcomes)]


def test_all_passing_or_skipped_steps_exit_0():
    out = io.StringIO()
    assert run_self_test(_steps(OK, SKIP, OK), out=out) == 0
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines[1:4]] == [OK, SKIP, OK]
    assert lines[-1].startswith("self-test passed (2 passed, 0 failed, 1 skipped")


def test_a_failed_step_is_named_and_the_others_still_run():
    out = io.StringIO()
    assert run_self_test(_steps(FAIL, OK, FAIL), out=out) == 1
    text = out.getvalue()
    assert "  FAIL  step0       RuntimeError: broken  (" in text
    assert "second line" not in text  # one line per step
    assert "  ok    step1" in text
    assert text.splitlines()[-1].startswith("self-test FAILED")
    assert text.splitlines()[-1].endswith(": step0, step2")


def test_verbose_shows_the_traceback_of_a_failed_step():
    out = io.StringIO()
    run_self_test(_steps(FAIL), out=out, verbose=True)
    assert "Traceback (most recent call last)" in out.getvalue()


def test_export_is_skipped_when_training_made_no_run(tmp_path):
    result = selftest.run_step("export", selftest.check_export, selftest.Context(tmp_path))
    assert (result.status, result.detail) == (SKIP, "needs the training step")


def test_the_pretrained_step_skips_with_a_note_when_no_model_is_bundled(tmp_path, monkeypatch):
    monkeypatch.setattr(selftest, "PRETRAINED_MODEL", ("pretrained", "no-such-model.keras"))
    result = selftest.run_step("pretrained", selftest.check_pretrained, selftest.Context(tmp_path))
    assert result.status == SKIP and "no bundled LeNet-5" in result.detail


def test_self_test_is_in_the_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "--self-test" in capsys.readouterr().out


# -- an unexpected error: a log file with the traceback, one line on stderr ----------------------


def test_an_unexpected_error_writes_a_crash_log_and_says_where(monkeypatch, capsys, cnnstudio_home):
    def broken(args):
        raise ZeroDivisionError("division by zero in a handler")

    monkeypatch.setattr(cli, "_self_test", broken)
    assert cli.main(["--self-test"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == "cnnstudio: unexpected error: ZeroDivisionError: division by zero in a handler"
    logs = list((Path(cnnstudio_home) / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err[1]
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "def broken" not in text
    assert "in broken" in text and f"CNN Studio {cli.__version__}" in text


def test_without_a_writable_log_folder_the_traceback_goes_to_stderr(monkeypatch, capsys, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder would go")
    monkeypatch.setenv("CNNSTUDIO_HOME", str(blocker))

    def broken(args):
        raise KeyError("lost")

    monkeypatch.setattr(cli, "_self_test", broken)
    assert cli.main(["--self-test"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1] == "cnnstudio: unexpected error: KeyError: 'lost'"
