"""What every command group shares: bad input as one line and exit status 2, a failure as one
line and exit status 1, plain-text tables, `key=value` options."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnnstudio.i18n import _

EXIT_USAGE = 2  # bad input: the command line, a name, a file that is not what it should be
EXIT_FAILURE = 1  # the input was fine, the work failed: a full disk, a folder one cannot write


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def describe_os_error(error: OSError) -> str:
    """`Permission denied: /runs/x/model.keras` rather than `[Errno 13] Permission denied: '...'`
    (or a traceback): what went wrong, and where."""
    if error.strerror and error.filename is not None:
        where = f"{error.filename} -> {error.filename2}" if error.filename2 else error.filename
        return f"{error.strerror}: {where}"
    return str(error) or type(error).__name__


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (plus where to get help), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def format_table(rows: list[list[str]], right_aligned: set[int], width: int = 100) -> list[str]:
    """Plain-text columns, the first row a header, underlined. Columns are two spaces apart, or
    one where that keeps the table within `width` characters."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    gap = "  " if sum(widths) + 2 * (len(widths) - 1) <= width else " "
    rule = ["-" * w for w in widths]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(w) if i in right_aligned else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return gap.join(cells).rstrip()

    return [line(rows[0]), line(rule), *(line(row) for row in rows[1:])]


def parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UsageError(_("options look like key=value; received {pair!r}").format(pair=pair))
        options[key.strip()] = value
    return options


def expand_path(text: str, option: str) -> Path:
    """A path given on the command line, `~` expanded; a `~nosuchuser/...` is bad input."""
    from cnnstudio.locations import expand_user_path

    try:
        return expand_user_path(text)
    except ValueError as error:
        raise UsageError(f"{option}: {error}") from None
