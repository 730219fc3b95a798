"""The inspector: what the selected node is. A layer: type, block, inputs, shapes, parameters with
the formula behind them, MACs, receptive field; a collapsed block: its totals, in/out shapes and
layers. For a trained model, weight statistics per tensor and the learned filters of a
convolution as a grid of small images."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.formatting import format_count, format_int
from cnnstudio.gui.graph.style import shape_text
from cnnstudio.i18n import _, ngettext

# The engine's graph modules import Keras: type hints only, so the window opens without it.
if TYPE_CHECKING:
    import numpy as np

    from cnnstudio.engine.anatomy.graph_model import GraphNode
    from cnnstudio.engine.anatomy.layer_stats import LayerStats, ModelStats

FILTER_CELL = 40  # pixels per filter in the grid: a 5x5 kernel at 8 px a weight
FILTER_COLUMNS = 8
BLOCK_LAYERS_SHOWN = 40


def muted() -> str:
    """The colour of secondary text (row names, shapes) in the theme: grey that reads on a light
    and on a dark background alike."""
    from PySide6.QtGui import QGuiApplication, QPalette

    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText).name()


def _row(name: str, value: str) -> str:
    return f"<tr><td style='color:{muted()};padding-right:8px'>{name}</td><td>{value}</td></tr>"


def _share(value: int, total: int) -> str:
    if not (total and value):
        return ""
    share = 100 * value / total
    # The percentage is a value: "% o" in a catalog entry would read as a printf format.
    shown = f"{share:.1f} %" if share >= 0.05 else "&lt; 0.1 %"
    return _(" ({share} of the model)").format(share=shown)


def _receptive_field(layer: LayerStats) -> str:
    field = layer.receptive_field
    if field is None:
        return _("- (no spatial axes)")
    return _("{field} px (jump {jump})").format(
        field=field, jump="x".join(str(j) for j in sorted(set(field.jump)))
    )


def layer_html(layer: LayerStats, stats: ModelStats) -> str:
    e = html.escape
    rows = [
        _row(_("Type"), e(layer.type)),
        _row(_("Block"), e(layer.block) or _("(top level)")),
        _row(_("Inputs from"), e(", ".join(layer.inbound)) or "-"),
        _row(_("Input shape"), e(shape_text(layer.input_shapes))),
        _row(_("Output shape"), e(shape_text(layer.output_shapes))),
    ]
    if layer.params:
        share = _share(layer.params, stats.params)
        rows.append(_row(_("Parameters"), f"<b>{e(layer.formula)}</b>{share}"))
        if layer.non_trainable_params:
            rows.append(
                _row(
                    "",
                    _("{trainable} trainable, {frozen} not trainable").format(
                        trainable=format_int(layer.trainable_params),
                        frozen=format_int(layer.non_trainable_params),
                    ),
                )
            )
    else:
        rows.append(_row(_("Parameters"), _("none")))
    if layer.macs:
        macs = _("{macs} ({macs_short}; FLOPs {flops})").format(
            macs=format_int(layer.macs),
            macs_short=format_count(layer.macs),
            flops=format_count(layer.flops),
        )
        rows.append(_row(_("MACs"), macs + _share(layer.macs, stats.macs)))
    else:
        rows.append(_row(_("MACs"), "0"))
    rows.append(_row(_("Receptive field"), _receptive_field(layer)))
    if layer.calls > 1:
        rows.append(
            _row(
                _("Calls"),
                _("{calls} (shared layer: MACs count every call)").format(calls=layer.calls),
            )
        )
    return f"<h3>{e(layer.name)}</h3><table>{''.join(rows)}</table>"


def block_html(node: GraphNode, stats: ModelStats) -> str:
    e = html.escape
    count = len(node.layers)
    rows = [
        _row(
            _("Collapsed block"),
            ngettext(
                "{count} layer (double click to expand)",
                "{count} layers (double click to expand)",
                count,
            ).format(count=count),
        ),
        _row(_("Input shape"), e(shape_text(node.input_shapes))),
        _row(_("Output shape"), e(shape_text(node.output_shapes))),
        _row(
            _("Parameters"),
            f"<b>{format_int(node.params)}</b>{_share(node.params, stats.params)}",
        ),
        _row(_("MACs"), f"{format_int(node.macs)} ({format_count(node.macs)})"),
    ]
    by_name = {layer.name: layer for layer in stats.layers}
    members = []
    for name in node.layers[:BLOCK_LAYERS_SHOWN]:
        layer = by_name.get(name)
        kind = e(layer.type) if layer else ""
        params = f", {format_int(layer.params)}" if layer is not None and layer.params else ""
        members.append(f"<li>{e(name)} <span style='color:{muted()}'>{kind}{params}</span></li>")
    if count > BLOCK_LAYERS_SHOWN:
        more = count - BLOCK_LAYERS_SHOWN
        members.append(
            "<li>" + ngettext("… {count} more", "… {count} more", more).format(count=more) + "</li>"
        )
    return (
        f"<h3>{e(node.label)}</h3><table>{''.join(rows)}</table>"
        + _("<p><b>Layers</b></p>")
        + f"<ul style='margin-left:-20px'>{''.join(members)}</ul>"
    )


def weights_html(rows: Sequence[Any]) -> str:
    """TensorStats rows (name, shape, min, max, mean, std, zero_fraction) as a table whose
    cells never break inside a word or a number (the narrow inspector showed "ker/nel" and
    "-0.2/94"): each cell keeps to one line, the shape goes under the name."""
    if not rows:
        return _("<p style='color:#666'>No weights.</p>")
    cell = "text-align:right;padding:0 4px;white-space:nowrap"
    headers = (_("min"), _("max"), _("mean"), _("std"), _("zeros"))
    head = "".join(f"<th style='{cell}'>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        shape = "x".join(str(n) for n in row.shape)
        cells = "".join(
            f"<td style='{cell}'>{value:.3g}</td>"
            for value in (row.min, row.max, row.mean, row.std)
        )
        zeros = _("{value:.1f} %").format(value=100 * row.zero_fraction)
        body.append(
            f"<tr><td style='white-space:nowrap'>{html.escape(row.name)}<br>"
            f"<span style='color:{muted()}'>{shape}</span></td>"
            f"{cells}<td style='{cell}'>{html.escape(zeros)}</td></tr>"
        )
    title = html.escape(_("Trained weights"))
    return f"<p><b>{title}</b></p><table><tr><th></th>{head}</tr>{''.join(body)}</table>"


def filter_grid_image(filters: np.ndarray, cell: int = FILTER_CELL) -> QImage:
    """(n, kh, kw) values in [0, 1] as a grayscale grid, each filter scaled up without blur."""
    import numpy as np  # here: the window opens before NumPy is needed

    count, kh, kw = filters.shape
    columns = min(FILTER_COLUMNS, count)
    rows = -(-count // columns)
    scale = max(1, cell // max(kh, kw))
    gap = 2
    height = rows * (kh * scale + gap) + gap
    width = columns * (kw * scale + gap) + gap
    canvas = np.full((height, width), 255, dtype=np.uint8)
    pixels = np.clip(filters * 255.0, 0, 255).astype(np.uint8)
    for index in range(count):
        row, column = divmod(index, columns)
        y, x = gap + row * (kh * scale + gap), gap + column * (kw * scale + gap)
        big = np.kron(pixels[index], np.ones((scale, scale), dtype=np.uint8))
        canvas[y : y + kh * scale, x : x + kw * scale] = big
    canvas = np.ascontiguousarray(canvas)
    image = QImage(canvas.data, width, height, width, QImage.Format.Format_Grayscale8)
    return image.copy()  # own the pixels: the array goes away


# The concept demonstration that shows what a layer of each Keras type does.
LAYER_CONCEPTS = {
    "Conv2D": "convolution",
    "MaxPooling2D": "pooling",
    "AveragePooling2D": "pooling",
    "GlobalAveragePooling2D": "pooling",
    "BatchNormalization": "normalization",
    "LayerNormalization": "normalization",
    "GroupNormalization": "normalization",
    "Dropout": "dropout",
    "Add": "residual",
    "Activation": "activations",
    "ReLU": "activations",
}


class Inspector(QWidget):
    lookInto = Signal(str)  # the layer whose activations the person asked to see
    conceptAsked = Signal(str)  # the concept demonstration of the selected layer's type

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphInspector")
        self.setAccessibleName(_("Layer inspector"))
        self.text = QTextBrowser(objectName="graphInspectorText")
        self.text.setAccessibleName(_("Selected layer"))
        self.weights = QTextBrowser(objectName="graphWeights")
        self.weights.setAccessibleName(_("Weight statistics"))
        self.filters = QLabel(objectName="graphFilters")
        self.filters.setAccessibleName(_("Learned filters"))
        self.filters.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.filters_area = QScrollArea()
        self.filters_area.setWidget(self.filters)
        self.filters_area.setWidgetResizable(True)
        self.filters_area.setMaximumHeight(200)
        self.look_button = QPushButton(_("See what this layer sees"), objectName="graphLookInto")
        self.look_button.setToolTip(
            _("Open this layer in the Explain view: its activations for an image, its filters")
        )
        self.look_button.setAccessibleName(_("See what this layer sees"))
        self.look_button.clicked.connect(lambda: self.lookInto.emit(self._layer))
        self.look_button.hide()
        self._layer = ""
        self.concept_button = QPushButton(objectName="graphConcept")
        self.concept_button.setAccessibleName(_("See this kind of layer live"))
        self.concept_button.clicked.connect(lambda: self.conceptAsked.emit(self._concept))
        self.concept_button.hide()
        self._concept = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.look_button)
        layout.addWidget(self.concept_button)
        layout.addWidget(self.text, 3)
        layout.addWidget(self.weights, 2)
        layout.addWidget(self.filters_area)
        self.show_nothing()

    def show_nothing(self, message: str | None = None) -> None:
        message = _("Select a layer to see its details.") if message is None else message
        self.text.setHtml(_("<p style='color:#666'>{value}</p>").format(value=html.escape(message)))
        self.look_button.hide()
        self.concept_button.hide()
        self.clear_weights()

    def show_node(self, node: GraphNode, stats: ModelStats, *, can_look: bool = False) -> None:
        """`can_look`: the node is a layer of a trained model with a spatial output, which the
        Explain view can open."""
        self._layer = node.id
        self.look_button.setVisible(can_look)
        self._concept = "" if node.collapsed else LAYER_CONCEPTS.get(node.type, "")
        if self._concept:
            from cnnstudio.gui.course.lessons import CONCEPTS

            self.concept_button.setText(
                _("Demo: {concept}").format(concept=_(CONCEPTS[self._concept][0]))
            )
        self.concept_button.setVisible(bool(self._concept))
        if node.collapsed:
            self.text.setHtml(block_html(node, stats))
        else:
            self.text.setHtml(layer_html(stats.layer(node.id), stats))
        self.clear_weights()

    def clear_weights(self) -> None:
        self.weights.hide()
        self.filters_area.hide()
        self.filters.clear()

    def show_weights_pending(self) -> None:
        self.weights.setHtml(_("<p style='color:#666'>Reading the trained weights…</p>"))
        self.weights.show()

    def show_weights(self, rows: Sequence[Any], filters: np.ndarray | None) -> None:
        self.weights.setHtml(weights_html(rows))
        self.weights.show()
        if filters is not None and len(filters):
            self.filters.setPixmap(QPixmap.fromImage(filter_grid_image(filters)))
            self.filters.setToolTip(
                _("The first {len} learned filters (dark = low)").format(len=len(filters))
            )
            self.filters_area.show()
        else:
            self.filters_area.hide()

    def plain_text(self) -> str:
        return self.text.toPlainText()
