"""How the layer graph looks: colours by layer kind, the node font, the lines a node shows and the
size its box needs.

Box sizes are measured here, on the GUI thread, into a table of character widths (`TextMetrics`),
so the layout can run on a worker thread without touching Qt's font machinery there.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QFontMetricsF

from cnnstudio.engine.formatting import format_count, format_int, format_shape
from cnnstudio.gui.ground.fonts import with_text_families
from cnnstudio.i18n import N_, _, ngettext

# The engine's graph modules import Keras: type hints only, so the window opens without it.
if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.graph_model import GraphNode

# Fill colour per GraphNode.kind (light, so the dark text reads on all of them), and the legend's
# wording, in legend order.
KIND_COLOURS: dict[str, str] = {
    "input": "#d9d9d9",
    "conv": "#a8c8f0",
    "pool": "#b5e0b0",
    "norm": "#f5e39a",
    "activation": "#f8c9a0",
    "dense": "#d4b8ec",
    "merge": "#f2a8b8",
    "dropout": "#e6e6e6",
    "reshape": "#a9e0dc",
    "block": "#c3cbe0",
    "other": "#eeeeee",
}
# Marked for the catalog; `kind_title` gives them in the current language.
KIND_TITLES: dict[str, str] = {
    "input": N_("Input"),
    "conv": N_("Convolution"),
    "pool": N_("Pooling"),
    "norm": N_("Normalisation"),
    "activation": N_("Activation"),
    "dense": N_("Dense"),
    "merge": N_("Merge (add, concat)"),
    "dropout": N_("Dropout"),
    "reshape": N_("Reshape, flatten"),
    "block": N_("Collapsed block"),
    "other": N_("Other"),
}
BORDER = QColor("#5a5a5a")
SELECTED_BORDER = QColor("#1565c0")
MATCH_FILL = QColor("#ffeb3b")
EDGE_COLOUR = QColor("#7a7a7a")
BAR_COLOUR = QColor("#37474f")
FRAME_BORDER = QColor("#7986cb")
FRAME_FILL = QColor(121, 134, 203, 28)

POINT_SIZE = 9.0  # the node text; at 100 % it is about 12 px high, so exports stay readable
PADDING = 8.0  # inside a box, around the text
BAR_HEIGHT = 5.0  # the share-of-parameters (or MACs) bar under the text
LINE_GAP = 1.0
MIN_WIDTH = 120.0


def kind_colour(kind: str) -> QColor:
    return QColor(KIND_COLOURS.get(kind, KIND_COLOURS["other"]))


@functools.cache
def node_font(bold: bool = False) -> QFont:
    """The node text's font (made once: boxes paint thousands of times; never modify it)."""
    font = with_text_families(QFont())  # a CJK family in Chinese: the SVG names it too
    font.setPointSizeF(POINT_SIZE)
    font.setBold(bold)
    return font


def shape_text(shapes: tuple) -> str:
    """Shapes without their batch axis: ((None, 28, 28, 6),) -> '28x28x6'."""
    return ", ".join(format_shape(shape[1:]) for shape in shapes) or "-"


def kind_title(kind: str) -> str:
    """The legend's name of a layer kind, in the current language."""
    return _(KIND_TITLES.get(kind, KIND_TITLES["other"]))


def node_lines(node: GraphNode) -> list[str]:
    """The text lines of a node box after its bold title: type, output shape, parameters."""
    if node.collapsed:
        role = _(getattr(node, "role", "") or N_("block"))  # the families mark their roles
        count = len(node.layers)
        kind = ngettext("{role}, {count} layer", "{role}, {count} layers", count).format(
            role=f"{role[:1].upper()}{role[1:]}", count=count
        )
        shapes = f"{shape_text(node.input_shapes[:1])} -> {shape_text(node.output_shapes)}"
    else:
        kind, shapes = node.type, shape_text(node.output_shapes)
    params = format_int(node.params)
    if node.params and node.macs:
        figures = _("{params} params, {macs} MACs").format(
            params=params, macs=format_count(node.macs)
        )
    elif node.params:
        figures = _("{params} params").format(params=params)
    elif node.macs:
        figures = _("no params, {macs} MACs").format(macs=format_count(node.macs))
    else:
        figures = _("no params")
    return [kind, shapes, figures]


@dataclass(frozen=True)
class TextMetrics:
    """Character widths and line heights of the node fonts, as plain numbers (thread-safe)."""

    widths: dict[str, float]
    bold_widths: dict[str, float]
    default_width: float
    line_height: float
    ascent: float

    @classmethod
    def measure(cls) -> TextMetrics:
        """Measure the node fonts (GUI thread: needs a QGuiApplication)."""
        plain, bold = QFontMetricsF(node_font()), QFontMetricsF(node_font(bold=True))
        chars = [chr(code) for code in range(32, 127)] + ["…", "×", "·"]
        return cls(
            widths={c: plain.horizontalAdvance(c) for c in chars},
            bold_widths={c: bold.horizontalAdvance(c) for c in chars},
            default_width=bold.horizontalAdvance("M"),
            line_height=max(plain.height(), bold.height()) + LINE_GAP,
            ascent=max(plain.ascent(), bold.ascent()),
        )

    def text_width(self, text: str, bold: bool = False) -> float:
        table = self.bold_widths if bold else self.widths
        return sum(table.get(c, self.default_width) for c in text)

    def node_size(self, node: GraphNode) -> tuple[float, float]:
        """The box a node needs: its title and lines, padding and the share bar."""
        width = max(
            [self.text_width(node.label, bold=True)]
            + [self.text_width(line) for line in node_lines(node)]
        )
        lines = 1 + len(node_lines(node))
        height = lines * self.line_height + 2 * PADDING + BAR_HEIGHT + 2
        return (max(MIN_WIDTH, width + 2 * PADDING), height)
