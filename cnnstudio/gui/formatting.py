"""Number formatting for widgets that must not import Keras (the engine's `layer_stats` does)."""

from __future__ import annotations

from collections.abc import Iterable

# The same rule as cnnstudio.engine.layer_stats.format_count (tests/gui checks they agree).
_UNITS = ((1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T"))


def format_count(value: float) -> str:
    """Three significant digits with a unit: 1814073344 -> '1.81 G', 61706 -> '61.7 k'."""
    if abs(value) < 999.5:
        return f"{value:.0f}"
    for scale, unit in _UNITS:
        text = f"{value / scale:#.3g}"
        if "e" not in text:
            return f"{text.rstrip('.')} {unit}"
    return f"{value / _UNITS[-1][0]:.0f} {_UNITS[-1][1]}"


def format_shape(shape: Iterable[int]) -> str:
    return "x".join(str(n) for n in shape)
