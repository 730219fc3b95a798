"""`cnnstudio --self-test`: does this installation work? One line per check, then a verdict.

The same checks run in the frozen app (`make package` runs them on the bundle it built) and from
source (`tests/cli/test_selftest.py`), with no display (Qt renders offscreen) and no network:

    tensorflow   TensorFlow imports and lists its devices (no GPU: the CPU, with a note)
    zoo          every model of the zoo builds at its smallest input (without weights: fast)
    training     LeNet-5 trains a few batches of the bundled mnist-5k, through the engine's
                 TrainingSession, into a throw-away run store
    export       that run exports as a SavedModel and as .keras, reloads, and gives the same
                 outputs (the engine's own export check)
    pretrained   the bundled LeNet-5 recognises bundled digits (skipped, with a note, when this
                 build has no bundled model)
    gui          the main window opens offscreen, loads the engine, shows and draws every view,
                 closes with no thread left running

A step that fails does not stop the others (a step that needs a failed one is skipped); the exit
status is 0 when none failed, else 1, and the last line names the failed steps. Nothing is
written outside a temporary folder, which is removed at the end.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from cnnstudio import __version__
from cnnstudio.locations import is_frozen, resource_path

OK, SKIP, FAIL = "ok", "skip", "FAIL"
TRAIN_BATCHES = 10
TRAIN_BATCH_SIZE = 64
# Bundled digits the pretrained LeNet-5 reads, and how many it must get right (it scores about
# 99% on MNIST; one miss in twenty is already unusual).
DIGITS_SHOWN = 20
DIGITS_NEEDED = 18
GUI_TIMEOUT_S = 120.0
PRETRAINED_MODEL = ("pretrained", "lenet5_mnist.keras")


class Skip(Exception):
    """A step that cannot run here; str() is the note."""


@dataclass
class Context:
    """What the steps share: a scratch folder and what earlier steps made."""

    workdir: Path
    made: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepResult:
    name: str
    status: str  # OK, SKIP or FAIL
    detail: str
    seconds: float


Step = Callable[[Context], str]


# -- the steps: each returns its one-line detail, raises Skip to skip, anything else fails ------


def check_tensorflow(context: Context) -> str:
    import keras
    import tensorflow as tf

    from cnnstudio.engine.devices.devices import list_devices

    devices = list_devices()
    names = ", ".join(device.name for device in devices) or "none"
    gpus = [device for device in devices if device.is_gpu]
    note = "" if gpus else " (no GPU found: training uses the CPU)"
    return f"TensorFlow {tf.__version__}, Keras {keras.__version__}; devices: {names}{note}"


def check_zoo(context: Context) -> str:
    from cnnstudio.models import list_models
    from cnnstudio.models.structure import shape_only

    models = list_models()
    for info in models:
        side = info.min_input
        model = shape_only(info.name, (side, side, 3), 10)
        if model.count_params() <= 0:
            raise RuntimeError(f"{info.name} built with no parameters")
    return f"{len(models)} models built at their smallest input (structure only)"


def check_training(context: Context) -> str:
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.session import TrainingSession

    store = RunStore(context.workdir / "runs")
    config = TrainingConfig(
        model="lenet5",
        dataset="mnist-5k",
        epochs=1,
        batch_size=TRAIN_BATCH_SIZE,
        limit_batches=TRAIN_BATCHES,
        augment=False,
        steps_per_execution=1,
    )
    session = TrainingSession(config, runs=store)
    result = session.run()
    if result.status != "finished":
        raise RuntimeError(f"training {result.status}: {result.reason}")
    loss = float(result.last.get("loss", math.nan))
    if not math.isfinite(loss):
        raise RuntimeError(f"the training loss is {loss}")
    context.made["run"] = session.run_handle
    context.made["runs"] = store
    accuracy = result.last.get("val_accuracy")
    shown = f", val accuracy {accuracy:.2f}" if isinstance(accuracy, float) else ""
    return (
        f"LeNet-5, {TRAIN_BATCHES} batches of {TRAIN_BATCH_SIZE} from mnist-5k: "
        f"loss {loss:.3f}{shown}"
    )


def check_export(context: Context) -> str:
    from cnnstudio.engine.use.export import export_run

    run = context.made.get("run")
    if run is None:
        raise Skip("needs the training step")
    parts = []
    for fmt, label in (("savedmodel", "SavedModel"), ("keras", ".keras")):
        result = export_run(
            run, fmt, out=context.workdir / "exports" / fmt, runs=context.made["runs"]
        )
        if not result.ok:
            raise RuntimeError(f"{label}: {result.message}")
        parts.append(f"{label} (max diff {result.max_abs_diff:.1e})")
    return "reloaded with matching outputs: " + ", ".join(parts)


def check_pretrained(context: Context) -> str:
    if not resource_path(*PRETRAINED_MODEL).is_file():
        raise Skip("this build has no bundled LeNet-5 (the drawing pad's model)")
    try:
        from cnnstudio.engine.use.digit_recognizer import DigitRecognizer
    except ImportError:
        raise Skip("this build has no drawing-pad engine") from None
    from cnnstudio.engine.data.datasets import load_dataset

    recognizer = DigitRecognizer.bundled()
    digits = load_dataset("mnist-5k").validation
    right = 0
    for image, label in zip(
        digits.images[:DIGITS_SHOWN], digits.labels[:DIGITS_SHOWN], strict=True
    ):
        result = recognizer.recognize(image[..., 0])
        if result is not None and result.top[0][0] == str(int(label)):
            right += 1
    if right < DIGITS_NEEDED:
        raise RuntimeError(
            f"recognised {right} of {DIGITS_SHOWN} bundled digits (at least {DIGITS_NEEDED} "
            "expected)"
        )
    return f"{recognizer.source} recognised {right} of {DIGITS_SHOWN} bundled digits"


def check_gui(context: Context) -> str:
    # No display needed, and none used even when there is one: the check must not flash a window.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QEventLoop

    from cnnstudio.gui.app import _application
    from cnnstudio.gui.ground.context import StudioContext
    from cnnstudio.gui.shell.main_window import MainWindow
    from cnnstudio.gui.workers import live_workers

    app = _application()

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + GUI_TIMEOUT_S
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} after {GUI_TIMEOUT_S:.0f} s")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    window = MainWindow(StudioContext(), use_settings=False)
    try:
        window.show()
        window.load_engine()
        studio = window.context
        wait_for(lambda: studio.engine_ready or studio.engine_error, "the engine had not loaded")
        if studio.engine_error:
            raise RuntimeError(f"the window could not load the engine: {studio.engine_error}")
        # Each view shown and drawn. Not awaited: the models view's figures for the whole zoo
        # (about a minute on two cores; tests/gui/models checks them).
        for key in window.view_keys():
            window.show_view(key)
            app.processEvents()
            if window.view(key).grab().isNull():
                raise RuntimeError(f"the {key} view could not be drawn")
    finally:
        window.close()
        wait_for(lambda: not live_workers(), "a worker thread was still running")
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, 0)
    views = ", ".join(window.view_keys())
    return f"main window opened offscreen; views {views} shown and drawn; closed"


STEPS: tuple[tuple[str, Step], ...] = (
    ("tensorflow", check_tensorflow),
    ("zoo", check_zoo),
    ("training", check_training),
    ("export", check_export),
    ("pretrained", check_pretrained),
    ("gui", check_gui),
)


# -- running them -------------------------------------------------------------------------------


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def run_step(name: str, step: Step, context: Context) -> StepResult:
    started = time.perf_counter()
    try:
        detail, status = step(context), OK
    except Skip as note:
        detail, status = str(note), SKIP
    except Exception as error:  # any failure is this step's verdict, not the test's end
        detail, status = _first_line(error), FAIL
        context.made.setdefault("tracebacks", {})[name] = traceback.format_exc()
    return StepResult(name, status, detail, time.perf_counter() - started)


def run_self_test(
    steps: Sequence[tuple[str, Step]] = STEPS, out: TextIO | None = None, verbose: bool = False
) -> int:
    """Run `steps`, print one line each and the verdict to `out`; 0 if none failed, else 1."""
    out = out if out is not None else sys.stdout
    kind = "frozen app" if is_frozen() else "from source"
    print(
        f"CNN Studio {__version__} self-test ({kind}; Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()})",
        file=out,
        flush=True,
    )
    began = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="cnnstudio-selftest-") as scratch:
        context = Context(Path(scratch))
        for name, step in steps:
            result = run_step(name, step, context)
            results.append(result)
            print(
                f"  {result.status:<4}  {name:<10}  {result.detail}  ({result.seconds:.1f} s)",
                file=out,
                flush=True,
            )
            if result.status == FAIL and verbose:
                print(context.made["tracebacks"][name], file=out, flush=True)
        # The run store in `scratch` holds the training step's run; Keras may still have its
        # files open (Windows): drop the references before the folder goes.
        context.made.clear()
    failed = [result.name for result in results if result.status == FAIL]
    counts = {status: sum(r.status == status for r in results) for status in (OK, SKIP, FAIL)}
    total = time.perf_counter() - began
    summary = f"{counts[OK]} passed, {counts[FAIL]} failed, {counts[SKIP]} skipped"
    if failed:
        print(f"self-test FAILED ({summary}; {total:.0f} s): {', '.join(failed)}", file=out)
        return 1
    print(f"self-test passed ({summary}; {total:.0f} s)", file=out)
    return 0
