"""Help beyond the About box: the user guide, the keyboard shortcuts, and "What's this?".

The guide is a page of its own shipped with the package (`resources/guide/guide.<language>.md`,
English and Simplified Chinese), rendered from Markdown by Qt, so it works offline and in the
frozen app. The shortcuts are read from the window's own actions (the View menu's Ctrl+1…,
Quit, …) plus the keys views handle themselves, so the list cannot drift from what the keys do.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWhatsThis,
    QWidget,
)

from cnnstudio.i18n import N_, _, current_language
from cnnstudio.locations import resource_path

# Keys a view handles itself (not through a menu action): (key, what it does).
VIEW_KEYS = (
    ("Esc / Delete", N_("Draw: clear the pad")),
    ("Ctrl+Z", N_("Draw: undo the last stroke")),
    ("Ctrl+F", N_("Graph: search a layer by name or type")),
    ("Enter", N_("Graph search: the next match")),
    ("Enter", N_("Evaluate: open the chosen cell's images")),
)


def guide_path(language: str | None = None) -> Path:
    """The guide in `language` (the app's), or in English where there is none."""
    language = language or current_language()
    localized = resource_path("guide", f"guide.{language}.md")
    return localized if localized.is_file() else resource_path("guide", "guide.en.md")


def shortcuts(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) of every action of the window that has a shortcut, then the keys the
    views handle themselves."""
    found = []
    for action in window.findChildren(QAction):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            found.append((keys, action.text().replace("&", "")))
    found.sort(key=lambda row: row[0])
    return found + [(keys, _(text)) for keys, text in VIEW_KEYS]


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle(_("User guide"))
        self.browser = QTextBrowser(objectName="guideText")
        self.browser.setOpenExternalLinks(True)
        path = guide_path()
        try:
            self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            self.browser.setPlainText(
                _("The guide could not be read ({path}): {error}").format(path=path, error=error)
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 620)


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(_("Keyboard shortcuts"))
        rows = shortcuts(window)
        self.table = QTableWidget(len(rows), 2, objectName="shortcutsTable")
        self.table.setHorizontalHeaderLabels([_("Keys"), _("Action")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, text) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 480)


def add_help(window: QMainWindow, menu: QMenu) -> None:
    """The guide (F1), the shortcuts and "What's this?" (Shift+F1) in the Help menu."""
    guide = QAction(_("User &guide"), window, objectName="guideAction")
    guide.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    guide.triggered.connect(lambda: GuideDialog(window).open())
    keys = QAction(_("&Keyboard shortcuts"), window, objectName="shortcutsAction")
    keys.triggered.connect(lambda: ShortcutsDialog(window).open())
    whats_this = QWhatsThis.createAction(window)
    whats_this.setObjectName("whatsThisAction")
    whats_this.setText(_("What's &this?"))
    first = menu.actions()[0] if menu.actions() else None
    for action in (guide, keys, whats_this):
        menu.insertAction(first, action)
    menu.insertSeparator(first)
