"""Values for people, formatted one way wherever they are shown: counts, sizes, durations,
shapes and times, as the CLI, the catalog and the app print them.

Free of Keras and Qt, so the GUI formats before TensorFlow has loaded and the CLI imports nothing
heavy to print a table.
"""

from __future__ import annotations

import math

from cnnstudio.model_metadata import format_shape

__all__ = [
    "format_bytes",
    "format_count",
    "format_duration",
    "format_int",
    "format_shape",
    "format_timestamp",
]

_UNITS = ((1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T"))


def format_count(value: float) -> str:
    """Three significant digits with a unit: 1814073344 -> '1.81 G', 61706 -> '61.7 k'.

    Values below a thousand stay plain integers ('156', '0').
    """
    if abs(value) < 999.5:
        return f"{value:.0f}"
    for scale, unit in _UNITS:
        # '#' keeps trailing zeros ('1.00'); a value that rounds up to 1000 ('1.00e+03') moves
        # on to the next unit, so 999,950 reads '1.00 M', not '1000 k'.
        text = f"{value / scale:#.3g}"
        if "e" not in text:
            return f"{text.rstrip('.')} {unit}"
        if unit == _UNITS[-1][1]:
            return f"{value / scale:.0f} {unit}"
    raise AssertionError("unreachable")


def format_int(value: int) -> str:
    """Exact, with thousands separators: 61706 -> '61,706'."""
    return f"{value:,}"


def format_bytes(size: float) -> str:
    """Decimal (SI) units, as file managers show them: 512 -> '512 B', 2_500_000 -> '2.5 MB'."""
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def format_duration(seconds: float) -> str:
    """A length of time to the second under an hour, to the minute above: '10 s', '3 m 05 s',
    '1 h 02 m'; '–' for an unknown (infinite or NaN) one, such as an ETA not yet known."""
    if not math.isfinite(seconds):
        return "–"
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} m"
    return f"{minutes} m {seconds:02d} s" if minutes else f"{seconds} s"


def format_timestamp(iso: str) -> str:
    """An ISO 8601 time as stored in run.json, to the second: '2026-01-01 10:00:00'."""
    return iso.replace("T", " ")[:19]
