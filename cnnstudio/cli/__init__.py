"""The `cnnstudio` command. With no sub-command it opens the desktop app; the sub-commands run the
same engine headless.

One module per command group (`models`, `training`, `runs`), each adding its sub-commands to the
parser built here. Heavy imports (TensorFlow, Keras, the model zoo) happen inside the handlers, so
`--help` and `--version` answer at once. A handler signals bad input by raising `UsageError` (or
`ValueError` from the engine): the user sees one line on stderr and the exit status is 2. An
`OSError` (a full disk, a folder one cannot write) is one line too, with exit status 1, never a
traceback. TensorFlow's own log is off unless `--verbose` (see `tf_logging`). No sub-command
opens the GUI; only the bare `cnnstudio` does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cnnstudio import __version__
from cnnstudio.cli import devices, graph, insight, models, runs, training
from cnnstudio.cli.common import EXIT_FAILURE, EXIT_USAGE, Parser, UsageError, describe_os_error
from cnnstudio.cli.tf_logging import (
    VERBOSE_ENV,
    configure_tensorflow_logging,
    quiet_tensorflow_import,
)
from cnnstudio.i18n import _

VERBOSE_HELP = f"show TensorFlow's own log messages (or set {VERBOSE_ENV}=1)"


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _open_app(args: argparse.Namespace) -> int:
    if not _display_available():
        print(
            _(
                "cnnstudio: no display found (neither DISPLAY nor WAYLAND_DISPLAY is "
                "set).\n  On a machine without a screen, run it under a virtual one:  "
                "xvfb-run cnnstudio\n  or render offscreen:  QT_QPA_PLATFORM=offscreen "
                "cnnstudio --screenshot app.png\n  The headless commands work "
                "anywhere:  cnnstudio --help"
            ),
            file=sys.stderr,
        )
        return 1
    from cnnstudio.gui.app import run_app

    return run_app(screenshot=args.screenshot, view=args.view, model=args.model, expand=args.expand)


def _self_test(args: argparse.Namespace) -> int:
    from cnnstudio.selftest import run_self_test

    return run_self_test(verbose=args.verbose)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="cnnstudio",
        description=_(
            "CNN Studio: learn, train and use the classic convolutional networks. "
            "Without a command, opens the desktop app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help=_(
            "open the app, wait until it is ready, save a PNG of the window to "
            "FILE and exit (works offscreen: QT_QPA_PLATFORM=offscreen)"
        ),
    )
    parser.add_argument(
        "--view", metavar="NAME", help=_("the view to show first, e.g. models or data")
    )
    parser.add_argument(
        "--model",
        metavar="NAME",
        help=_("the model to select first, e.g. resnet50 (or a .keras file for --view graph)"),
    )
    parser.add_argument(
        "--expand",
        nargs="+",
        metavar="BLOCK",
        help=_("blocks the graph view opens expanded: all, none or names (for --screenshot)"),
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_(
            "check this installation (TensorFlow, the model zoo, a short training, "
            "export, the window offscreen), one line per check; exit status 0 when "
            "all pass"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    models.add_commands(sub)
    training.add_commands(sub)
    runs.add_commands(sub)
    graph.add_commands(sub)
    devices.add_commands(sub)
    insight.add_commands(sub)
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    for command in sub.choices.values():
        # After the command too (`cnnstudio train --verbose`); SUPPRESS keeps a --verbose given
        # before the command from being reset by the sub-command's default.
        command.add_argument(
            "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if configure_tensorflow_logging(args.verbose):  # before any handler imports TensorFlow
        quiet_tensorflow_import()
    handler = getattr(args, "handler", _self_test if args.self_test else _open_app)
    prog = f"cnnstudio {args.command}" if args.command else "cnnstudio"
    try:
        return handler(args)
    except (UsageError, ValueError) as error:
        print(_("{prog}: error: {error}").format(prog=prog, error=error), file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(
            _("{prog}: error: {describe_os_error}").format(
                prog=prog, describe_os_error=describe_os_error(error)
            ),
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(_("cnnstudio: interrupted"), file=sys.stderr)
        return 130
    except Exception as error:  # a bug: the traceback goes to a log file, the user is told where
        from cnnstudio.crash_log import report_to_stderr

        report_to_stderr(prog, error)
        return EXIT_FAILURE
