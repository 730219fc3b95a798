"""The glossary: every technical term of the interface, with its English and Chinese names, a
short definition and d2l-zh's name where the book says it differently; a search box that finds
a term by any of its names.

One non-modal dialog per window (opened from the Help menu, the Lessons view, or anywhere through
`StudioContext.glossaryRequested(key)`), so a person can keep it beside the view they read.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.course.glossary_terms import BY_KEY, TERMS, Term, matches
from cnnstudio.i18n import _


class GlossaryDialog(QDialog):
    """A searchable list of terms beside the chosen term's entry."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("glossaryDialog")
        self.setWindowTitle(_("Glossary"))
        self.setModal(False)
        self.search = QLineEdit(objectName="glossarySearch", clearButtonEnabled=True)
        self.search.setPlaceholderText(_("Search in English or Chinese…"))
        self.search.setAccessibleName(_("Search the glossary"))
        self.search.textChanged.connect(self._filter)
        self.term_list = QListWidget(objectName="glossaryList")
        self.term_list.setAccessibleName(_("Terms"))
        self.term_list.setWordWrap(True)  # long names wrap rather than hide their end
        self.term_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # In the data's order, by topic (structure, computation, training, evaluation): an
        # alphabetical order would mean nothing in Chinese, and the search finds any name.
        for term in TERMS:
            item = QListWidgetItem(_(term.english))
            item.setData(Qt.ItemDataRole.UserRole, term.key)
            self.term_list.addItem(item)
        self.term_list.currentItemChanged.connect(self._show_item)
        self.entry = QTextBrowser(objectName="glossaryEntry")
        self.entry.setAccessibleName(_("Glossary entry"))

        left = QVBoxLayout()
        left.addWidget(self.search)
        left.addWidget(self.term_list, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addWidget(self.entry, 3)
        self.resize(720, 440)
        self.term_list.setCurrentRow(0)

    # -- what it shows ----------------------------------------------------------------------------

    def show_term(self, key: str) -> None:
        """Bring the dialog up on `key`'s entry (an unknown or empty key: the list as it is)."""
        if key in BY_KEY:
            self.search.clear()
            for row in range(self.term_list.count()):
                item = self.term_list.item(row)
                if item.data(Qt.ItemDataRole.UserRole) == key:
                    self.term_list.setCurrentItem(item)
                    break
        self.show()
        self.raise_()
        self.activateWindow()

    def current_term(self) -> str:
        item = self.term_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def shown_terms(self) -> list[str]:
        """The keys the list shows now, in order (what the search left)."""
        return [
            self.term_list.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.term_list.count())
            if not self.term_list.item(row).isHidden()
        ]

    def _filter(self, text: str) -> None:
        first = None
        for row in range(self.term_list.count()):
            item = self.term_list.item(row)
            term = BY_KEY[item.data(Qt.ItemDataRole.UserRole)]
            hidden = not matches(term, text, item.text())
            item.setHidden(hidden)
            if not hidden and first is None:
                first = item
        current = self.term_list.currentItem()
        if first is not None and (current is None or current.isHidden()):
            self.term_list.setCurrentItem(first)

    def _show_item(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.entry.setHtml(entry_html(BY_KEY[item.data(Qt.ItemDataRole.UserRole)]))


def entry_html(term: Term) -> str:
    """One entry: the name, English and Chinese, the definition, and d2l-zh's name if it differs."""
    parts = [
        f"<h2>{escape(_(term.english))}</h2>",
        "<p>"
        + _("English: {english} · Chinese: {chinese}").format(
            english=escape(term.english), chinese=escape(term.chinese)
        )
        + "</p>",
        f"<p>{escape(_(term.definition))}</p>",
    ]
    if term.other:
        parts.append(
            "<p><i>"
            + _("Also called (d2l-zh and course notes): {names}").format(names=escape(term.other))
            + "</i></p>"
        )
    return "".join(parts)
