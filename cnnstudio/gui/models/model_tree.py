"""The model table of the picker: families as headings, one row per model with year, parameters
and MACs, filtered by a search text.

A row shows the figures for the current input once they are computed, and the catalog's
figures at the paper's input, in italics, until then.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from cnnstudio.engine.anatomy.catalog import CatalogEntry, ModelMeta
from cnnstudio.engine.formatting import format_count, format_shape
from cnnstudio.gui.models.model_stats import StatsResult
from cnnstudio.i18n import _

NAME, YEAR, PARAMS, MACS = range(4)
NAME_ROLE = Qt.ItemDataRole.UserRole


def normalised(text: str) -> str:
    """'ResNet-50', 'resnet50' and 'RESNET 50' all read 'resnet50'."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


class ModelTree(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelTree")
        self.setAccessibleName(_("Models by family"))
        self.setHeaderLabels([_("Model"), _("Year"), _("Parameters"), _("MACs")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._metas: dict[str, ModelMeta] = {}
        self._catalog: dict[str, CatalogEntry] = {}

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """The keys move from model to model: a family heading is passed over in the direction
        of travel (it is not a choice, and stopping there left the picker showing nothing)."""
        index = super().moveCursor(action, modifiers)
        Action = QAbstractItemView.CursorAction
        upwards = action in (Action.MoveUp, Action.MovePrevious, Action.MovePageUp, Action.MoveEnd)
        while index.isValid() and not index.flags() & Qt.ItemFlag.ItemIsSelectable:
            index = self.indexAbove(index) if upwards else self.indexBelow(index)
        return index if index.isValid() else self.currentIndex()

    def populate(self, metas: dict[str, ModelMeta], catalog: dict[str, CatalogEntry]) -> None:
        self.clear()
        self.items.clear()
        self._metas, self._catalog = metas, catalog
        families: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.font())
        bold.setBold(True)
        for meta in metas.values():
            family = families.get(meta.family)
            if family is None:
                family = QTreeWidgetItem(self, [meta.family])
                family.setFont(NAME, bold)
                family.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a choice
                families[meta.family] = family
            item = QTreeWidgetItem(family, [meta.display_name, str(meta.year), "", ""])
            item.setData(NAME, NAME_ROLE, meta.name)
            for column in (YEAR, PARAMS, MACS):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            item.setToolTip(
                NAME,
                _("{name} (also {aliases})").format(name=meta.name, aliases=", ".join(meta.aliases))
                if meta.aliases
                else meta.name,
            )
            self.items[meta.name] = item
            self.show_figures(meta.name, None)
        for family in families.values():
            years = [int(family.child(i).text(YEAR)) for i in range(family.childCount())]
            family.setText(YEAR, str(min(years)))
            family.setTextAlignment(YEAR, Qt.AlignmentFlag.AlignRight)
        self.expandAll()
        header = self.header()
        # The name column takes the spare width; the figures stay next to each other.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (YEAR, PARAMS, MACS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            self.setColumnWidth(column, 60 if column == YEAR else 84)

    def show_figures(self, name: str, result: StatsResult | None) -> None:
        """`result` for the current input, or None: the catalog's canonical figures."""
        item, entry = self.items[name], self._catalog.get(name)
        italic = False
        if result is not None and result.error is None:
            params, macs = format_count(result.params), format_count(result.macs)
            tip = (
                f"At input {format_shape(result.request.input_shape)}, "
                f"{result.request.num_classes} classes"
            )
        elif result is not None:
            params = macs = "n/a"
            tip = result.error or ""
        elif entry is not None:
            params, macs = format_count(entry.params), format_count(entry.macs)
            tip = _(
                "At the paper's input {shape}, {classes} classes; the figures for the "
                "current input appear once the engine has loaded"
            ).format(shape=format_shape(entry.input_shape), classes=entry.num_classes)
            italic = True
        else:
            params = macs = "…"
            tip, italic = "Computed once the engine has loaded", True
        for column, text in ((PARAMS, params), (MACS, macs)):
            item.setText(column, text)
            item.setToolTip(column, tip)
            font = item.font(column)
            font.setItalic(italic)
            item.setFont(column, font)

    def filter(self, text: str) -> bool:
        """Show the models whose name, display name, alias or family contains `text`
        (ignoring case and punctuation); True when any is shown."""
        wanted = normalised(text)
        any_visible = False
        for index in range(self.topLevelItemCount()):
            family = self.topLevelItem(index)
            family_hit = bool(wanted) and wanted in normalised(family.text(NAME))
            visible_children = 0
            for child_index in range(family.childCount()):
                child = family.child(child_index)
                meta = self._metas[child.data(NAME, NAME_ROLE)]
                haystack = [meta.name, meta.display_name, *meta.aliases]
                hit = family_hit or any(wanted in normalised(h) for h in haystack)
                child.setHidden(not hit)
                visible_children += hit
            family.setHidden(visible_children == 0)
            any_visible |= visible_children > 0
        return any_visible

    def visible_models(self) -> list[str]:
        return [
            name
            for name, item in self.items.items()
            if not item.isHidden() and not item.parent().isHidden()
        ]

    def selected_model(self) -> str | None:
        item = self.currentItem()
        return item.data(NAME, NAME_ROLE) if item is not None else None
