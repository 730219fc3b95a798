"""Export the layer graph as SVG (one scalable file, real text) or PNG at 100 % (text about 12 px
high), split into pages where one image would pass `MAX_SIDE` pixels on a side: a reader opens a
page of a 700-layer graph, never a squeezed strip with 5-pixel text.

Both draw a header above the graph: the title (model, input, totals) and the legend of the kinds
of layer it shows.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QWidget

from cnnstudio.gui.graph import style
from cnnstudio.gui.graph.scene import GraphScene
from cnnstudio.gui.ground.fonts import with_text_families
from cnnstudio.i18n import _

MAX_SIDE = 16_000  # pixels; image viewers and browsers open pages up to about this size
HEADER_MARGIN = 12.0
TITLE_HEIGHT = 34.0
LEGEND_ROW = 18.0
MIN_HEADER_WIDTH = 480.0
SWATCH = 12.0


def export_graph(scene: GraphScene, path: str | Path, title: str = "") -> list[Path]:
    """Write the scene to `path` (.svg or .png); returns the files written (PNG pages are
    `NAME-1.png`, `NAME-2.png`, ... when the graph needs more than one)."""
    path = Path(path)
    suffix = path.suffix.lower()
    with scene.uncached():
        if suffix == ".svg":
            return [export_svg(scene, path, title)]
        if suffix == ".png":
            return export_png(scene, path, title)
    raise ValueError(f"export to .svg or .png; received {path.name!r}")


def kinds_shown(scene: GraphScene) -> list[str]:
    """The layer kinds present in the scene, in legend order."""
    present = {node.kind for node in scene.graph.nodes} if scene.graph else set()
    return [kind for kind in style.KIND_TITLES if kind in present]


def _title_font() -> QFont:
    font = with_text_families(QFont())
    font.setPointSizeF(11)
    font.setBold(True)
    return font


class Header:
    """The title line and the legend's swatches, wrapped to the picture's width: at least the
    graph's, and wide enough for the title."""

    def __init__(self, title: str, kinds: list[str], graph_width: float) -> None:
        self.title, self.kinds = title, kinds
        title_width = QFontMetricsF(_title_font()).horizontalAdvance(title)
        self.width = max(graph_width, title_width + 2 * HEADER_MARGIN, MIN_HEADER_WIDTH)
        legend = QFontMetricsF(style.node_font())
        self.swatches: list[tuple[float, float, str]] = []  # x, y, kind
        x, y = HEADER_MARGIN, TITLE_HEIGHT
        for kind in kinds:
            step = SWATCH + 4 + legend.horizontalAdvance(style.kind_title(kind)) + 14
            if x + step > self.width - HEADER_MARGIN and x > HEADER_MARGIN:
                x, y = HEADER_MARGIN, y + LEGEND_ROW
            self.swatches.append((x, y, kind))
            x += step
        self.height = y + LEGEND_ROW + 8 if kinds else TITLE_HEIGHT

    def paint(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width, self.height), QColor("#ffffff"))
        painter.setFont(_title_font())
        painter.setPen(Qt.GlobalColor.black)
        painter.drawText(QPointF(HEADER_MARGIN, 22), self.title)
        painter.setFont(style.node_font())
        for x, y, kind in self.swatches:
            painter.setPen(QPen(style.BORDER, 1))
            painter.setBrush(style.kind_colour(kind))
            painter.drawRect(QRectF(x, y, SWATCH, SWATCH))
            painter.setPen(Qt.GlobalColor.black)
            painter.drawText(QPointF(x + SWATCH + 4, y + SWATCH - 1), style.kind_title(kind))


def graph_area(header: Header, source: QRectF) -> QRectF:
    """Where the graph goes in the picture: under the header, centred when the header is wider."""
    return QRectF(
        (header.width - source.width()) / 2, header.height, source.width(), source.height()
    )


def export_svg(scene: GraphScene, path: Path, title: str = "") -> Path:
    source = scene.graph_rect()
    header = Header(title, kinds_shown(scene), source.width())
    width, height = header.width, source.height() + header.height
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(math.ceil(width), math.ceil(height)))
    generator.setViewBox(QRectF(0, 0, width, height))
    # The boxes were measured at the screen's 96 dpi; at the generator's default of 72 a 9 pt
    # label would be 9 units high in a box made for 12.
    generator.setResolution(96)
    generator.setTitle(title or "Layer graph")
    generator.setDescription("CNN Studio layer graph")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write {path}")
    try:
        header.paint(painter)
        scene.render(painter, graph_area(header, source), source)
    finally:
        painter.end()
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path


def page_grid(width: float, height: float, limit: int = MAX_SIDE) -> tuple[int, int]:
    """(columns, rows) of pages so that none passes `limit` pixels on a side."""
    return max(1, math.ceil(width / limit)), max(1, math.ceil(height / limit))


def export_png(scene: GraphScene, path: Path, title: str = "") -> list[Path]:
    source = scene.graph_rect()
    header = Header(title, kinds_shown(scene), source.width())
    width, height = header.width, source.height() + header.height
    graph_part = graph_area(header, source)
    columns, rows = page_grid(width, height, MAX_SIDE)
    page_w, page_h = math.ceil(width / columns), math.ceil(height / rows)
    paths = []
    for row in range(rows):
        for column in range(columns):
            # The page's window onto the whole picture (header, then graph), in picture pixels.
            window = QRectF(column * page_w, row * page_h, page_w, page_h).intersected(
                QRectF(0, 0, width, height)
            )
            image = QImage(
                math.ceil(window.width()), math.ceil(window.height()), QImage.Format.Format_RGB32
            )
            image.fill(QColor("#fbfbfb"))
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            if window.top() < header.height:
                painter.save()
                painter.translate(-window.x(), -window.y())
                header.paint(painter)
                painter.restore()
            # Only this page's part of the scene, at 1:1: each page costs its own items only.
            part = window.intersected(graph_part)
            if not part.isEmpty():
                scene.render(
                    painter,
                    part.translated(-window.x(), -window.y()),
                    part.translated(source.x() - graph_part.x(), source.y() - graph_part.y()),
                )
            painter.end()
            if rows * columns == 1:
                target = path
            else:
                target = path.with_name(f"{path.stem}-{len(paths) + 1}{path.suffix}")
            if not image.save(str(target), "PNG"):
                raise OSError(f"could not write {target}")
            paths.append(target)
    return paths


def ask_and_export(parent: QWidget, scene: GraphScene, title: str, name: str) -> str:
    """Ask where, export, and say what happened in one line (rich text) for a status label."""
    path, _chosen_filter = QFileDialog.getSaveFileName(
        parent, _("Export the layer graph"), name, _("SVG image (*.svg);;PNG image (*.png)")
    )
    if not path:
        return ""
    try:
        written = export_graph(scene, path, title)
    except (OSError, ValueError) as error:
        return f"<span style='color:#b00020'>{html.escape(str(error))}</span>"
    return html.escape(f"Saved {', '.join(p.name for p in written)}")
