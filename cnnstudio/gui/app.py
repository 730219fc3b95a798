"""The desktop app's entry: `run_app()` shows the window at once and loads the engine behind it.

Two unattended modes share the same path as a person's start, so they measure and picture the
real thing:

* `screenshot=PATH`: wait until the engine has loaded and every view says it is ready, save a
  PNG of the window, exit. Settings are neither read nor written, so the picture is the
  first-start state, the same on every machine (the README's screenshots).
* `CNNSTUDIO_STARTUP_PROBE=1` in the environment: on the first shown window, print one JSON line
  with wall-clock times (`time.time()`) of the show event and of the first idle moment after
  it, and which heavy modules were imported by then; then exit without loading the engine (see
  `benchmarks/gui_startup.py`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.ground.fonts import apply_fonts
from cnnstudio.gui.ground.language import apply_language
from cnnstudio.gui.ground.settings import APPLICATION, ORGANIZATION, app_settings
from cnnstudio.gui.shell import error_report
from cnnstudio.gui.shell.main_window import MainWindow
from cnnstudio.gui.shell.platform_check import xcb_problem
from cnnstudio.i18n import _
from cnnstudio.locations import resource_path

STARTUP_PROBE_ENV = "CNNSTUDIO_STARTUP_PROBE"
SCREENSHOT_SIZE = (1280, 800)
SCREENSHOT_TIMEOUT_S = 180.0


def _application(use_settings: bool = True) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "cnnstudio"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    # Before any widget: every text is looked up in the chosen language as it is made.
    apply_language(app, app_settings() if use_settings else None)
    # Light or dark as the system is, and again when it changes.
    from cnnstudio.gui.ground.theme import follow_system_theme

    follow_system_theme(app)
    apply_fonts(app)  # after the language: Chinese needs a font with its glyphs
    app.setApplicationDisplayName("CNN Studio")
    # Wayland matches the window to the installed cnnstudio.desktop entry (and its icon) by this.
    app.setDesktopFileName("cnnstudio")
    icon = resource_path("icons", "cnnstudio-256.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app  # type: ignore[return-value]


def window_ready(window: MainWindow) -> bool:
    """The engine has loaded (or failed) and the current view, if it can say so, is ready.
    (Only the current one: a hidden view may rightly defer its work until it is shown.)"""
    context = window.context
    if not (context.engine_ready or context.engine_error):
        return False
    is_ready = getattr(window.view(window.current_view()), "is_ready", None)
    return not callable(is_ready) or bool(is_ready())


def run_app(
    *,
    screenshot: str | Path | None = None,
    view: str | None = None,
    model: str | None = None,
    expand: list[str] | None = None,
) -> int:
    # Qt aborts the whole process (a core dump) when its platform plugin cannot load: check first.
    problem = xcb_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    probe = os.environ.get(STARTUP_PROBE_ENV) == "1"
    app = _application(use_settings=screenshot is None and not probe)
    context = StudioContext()
    window = MainWindow(context, use_settings=screenshot is None and not probe)
    if not _select_model(window, model, expand):
        window.close()
        return 2
    if view is not None:
        if view not in window.view_keys():
            print(
                _("cnnstudio: error: no view {view!r}; the views are: {value}").format(
                    view=view, value=", ".join(window.view_keys())
                ),
                file=sys.stderr,
            )
            window.close()
            return 2
        window.show_view(view)
    if screenshot is not None:
        window.resize(*SCREENSHOT_SIZE)
        # A view may set itself up for the picture (the pad draws a digit).
        prepare = getattr(window.view(window.current_view()), "prepare_screenshot", None)
        if callable(prepare):
            prepare()

    outcome = {"status": 0}
    if probe:

        def report() -> None:
            print(
                json.dumps(
                    {
                        "shown": window.shown_at,
                        "idle": time.time(),
                        # The promise of the start-up: nothing heavy was imported before the window.
                        "heavy_modules": sorted(
                            name
                            for name in ("tensorflow", "keras", "matplotlib", "cnnstudio.models")
                            if name in sys.modules
                        ),
                    }
                ),
                flush=True,
            )
            window.close()

        window.firstShown.connect(report)
    else:
        window.firstShown.connect(window.load_engine)
    if screenshot is not None:
        _screenshot_when_ready(window, Path(screenshot), outcome)
    # The main window closing ends the app, explicitly: Qt's quit-on-last-window-closed missed it
    # now and then under load (the window closed, no other window shown, and `exec` went on
    # waiting: 1 run in ~20 of `--screenshot` beside a busy test suite).
    window.closed.connect(app.quit, Qt.ConnectionType.QueuedConnection)
    _close_on_ctrl_c(window)
    # A bug in a slot or an event handler: a log file and a dialog that says where it is.
    reporter = error_report.install(window)
    window.show()
    try:
        app.exec()
    finally:
        error_report.uninstall(reporter)
    return outcome["status"]


def _select_model(window: MainWindow, model: str | None, expand: list[str] | None) -> bool:
    """Select `model` (a registered name, or a .keras file the graph view shows) and the graph
    view's expanded blocks (`all`, `none` or names), for pictures of a given model; False after
    saying why it cannot."""
    if model is not None and model.endswith(".keras") and "graph" in window.view_keys():
        window.view("graph").show_trained(model)  # a trained model, for the graph view
    elif model is not None:
        from cnnstudio.engine.anatomy.catalog import load_model_metadata

        names = list(load_model_metadata())
        if model not in names:
            print(
                _("cnnstudio: error: no model {model!r}; the models are: {value}").format(
                    model=model, value=", ".join(names)
                ),
                file=sys.stderr,
            )
            return False
        window.context.set_model(model)
    if expand and "graph" in window.view_keys():
        graph = window.view("graph")
        if expand in (["all"], ["none"]):
            graph.set_expanded("all" if expand == ["all"] else frozenset())
        else:
            graph.open_blocks(frozenset(expand))
    return True


def _close_on_ctrl_c(window: MainWindow) -> None:
    """Ctrl-C in the terminal closes the window the normal way (settings saved, threads
    waited for). Python runs signal handlers only between bytecodes, and Qt's event loop is C++,
    so a timer hands control back to the interpreter a few times a second."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(250)


def _screenshot_when_ready(window: MainWindow, path: Path, outcome: dict) -> None:
    started = time.monotonic()
    timer = QTimer(window)
    timer.setInterval(100)

    def check() -> None:
        timed_out = time.monotonic() - started > SCREENSHOT_TIMEOUT_S
        if not (window_ready(window) or timed_out):
            return
        timer.stop()
        if timed_out:
            print(
                _(
                    "cnnstudio: the window was not ready after {SCREENSHOT_TIMEOUT_S:.0f} "
                    "s; saving it as it is"
                ).format(SCREENSHOT_TIMEOUT_S=SCREENSHOT_TIMEOUT_S),
                file=sys.stderr,
            )
            outcome["status"] = 1
        try:
            window.save_screenshot(path)
        except OSError as error:
            print(_("cnnstudio: error: {error}").format(error=error), file=sys.stderr)
            outcome["status"] = 1
        else:
            print(_("saved {path}").format(path=path))
        window.close()

    timer.timeout.connect(check)
    window.firstShown.connect(timer.start)
