"""The `cnnstudio` command. With no sub-command it opens the desktop app; the sub-commands run the
same engine headless.

Heavy imports (TensorFlow, Keras, the model zoo) happen inside the handlers, so `--help` and
`--version` answer at once. A handler signals bad input by raising `UsageError` (or `ValueError`
from the engine): the user sees one line on stderr and the exit status is 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cnnstudio import __version__

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (plus where to get help), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _open_app(args: argparse.Namespace) -> int:
    if not _display_available():
        print(
            "cnnstudio: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
            "  On a machine without a screen, run it under a virtual one:  xvfb-run cnnstudio\n"
            "  or render offscreen:  QT_QPA_PLATFORM=offscreen cnnstudio --screenshot app.png\n"
            "  The headless commands work anywhere:  cnnstudio --help",
            file=sys.stderr,
        )
        return 1
    # Until the desktop window lands, `cnnstudio` shows the model zoo as a table.
    return _cmd_models(args)


# --- models / summary: the model zoo and its layer statistics ------------------------------------


def _add_model_commands(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="list every model with family, year, parameters, MACs")
    models.set_defaults(handler=_cmd_models)


def _cmd_models(args: argparse.Namespace) -> int:
    from cnnstudio.models import list_models

    for info in list_models():
        print(f"{info.name:18} {info.family:12} {info.year}")
    return 0


# --- train / datasets / runs: the training engine ----------------------------------------------


def _add_training_commands(sub: argparse._SubParsersAction) -> None:
    pass


# -------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnnstudio",
        description="CNN Studio: learn, train and use the classic convolutional networks. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_model_commands(sub)
    _add_training_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", _open_app)
    try:
        return handler(args)
    except (UsageError, ValueError) as error:
        prog = f"cnnstudio {args.command}" if args.command else "cnnstudio"
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cnnstudio: interrupted", file=sys.stderr)
        return 130
