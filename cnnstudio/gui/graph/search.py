"""Search by layer name or type: every match is highlighted, the view jumps to the first, and
Enter goes to the next (a collapsed block matches by the layers it holds)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from cnnstudio.gui.graph.canvas import GraphCanvas
from cnnstudio.gui.graph.scene import GraphScene
from cnnstudio.i18n import _


class SearchBar(QWidget):
    def __init__(self, scene: GraphScene, canvas: GraphCanvas, parent: QWidget | None = None):
        super().__init__(parent)
        self._scene, self._canvas = scene, canvas
        self.matches: list[str] = []
        self.current = -1  # index in `matches` of the node shown last
        self.field = QLineEdit(objectName="graphSearch")
        self.field.setPlaceholderText(_("Find a layer by name or type (Enter: next)"))
        self.field.setAccessibleName(_("Find a layer"))
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(self._on_text)
        self.field.returnPressed.connect(self.next_match)
        self.count = QLabel(objectName="graphSearchCount")
        self.count.setAccessibleName(_("Matches"))
        self.count.setMinimumWidth(80)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)

    def _on_text(self, _text: str) -> None:
        self.rerun()
        if self.matches:
            self.next_match()

    def rerun(self) -> None:
        """Match again (the text changed, or the graph did)."""
        text = self.field.text()
        self.matches = self._scene.find(text)
        self.current = -1
        self._scene.mark_matches(self.matches)
        self._show_count()

    def next_match(self) -> str | None:
        """Jump to (and select) the next match, round the end; its node id."""
        if not self.matches:
            return None
        self.current = (self.current + 1) % len(self.matches)
        node_id = self.matches[self.current]
        self._scene.select_node(node_id)
        self._canvas.center_on_node(node_id)
        self._show_count()
        return node_id

    def _show_count(self) -> None:
        if not self.field.text().strip():
            self.count.setText("")
        elif not self.matches:
            self.count.setText(_("<span style='color:#b00020'>no match</span>"))
        else:
            position = f"{self.current + 1} of " if self.current >= 0 else ""
            self.count.setText(f"{position}{len(self.matches)}")
