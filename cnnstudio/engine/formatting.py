"""Numbers for people: parameter and MAC counts as the CLI, the catalog and the app print them.

A module of its own, free of Keras, so the GUI can format counts before TensorFlow has loaded.
"""

from __future__ import annotations

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
