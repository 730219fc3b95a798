"""One way for a painted widget to answer a tooltip request with the text of the spot under the
mouse (a map's unit, a confusion cell, a chart's point)."""

from __future__ import annotations

from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QToolTip, QWidget


def show_spot_tooltip(widget: QWidget, event: QHelpEvent, text: str) -> bool:
    """Show `text` at the event's place, or hide the tooltip where there is none (the event is
    then ignored, so Qt asks again as the mouse moves). Returns True: the event is handled."""
    if text:
        QToolTip.showText(event.globalPos(), text, widget)
    else:
        QToolTip.hideText()
        event.ignore()
    return True
