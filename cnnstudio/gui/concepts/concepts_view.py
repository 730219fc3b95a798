"""The Concepts view: a list of concepts on the left, the chosen one's live demonstration on the
right. Other views (a model card, a lesson, the graph) ask for a concept by its key through
`StudioContext.conceptRequested`; the view shows it and asks the window to bring it forward.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from cnnstudio.gui.concepts.activations import ActivationsDemo
from cnnstudio.gui.concepts.convolution import ConvolutionDemo
from cnnstudio.gui.concepts.dropout import DropoutDemo
from cnnstudio.gui.concepts.normalization import NormalizationDemo
from cnnstudio.gui.concepts.one_by_one import OneByOneDemo
from cnnstudio.gui.concepts.pooling import PoolingDemo
from cnnstudio.gui.concepts.receptive_field import ReceptiveFieldDemo
from cnnstudio.gui.concepts.residual import ResidualDemo
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import N_, _

# The keys other views use (gui/ground/context.py), in the order of the course.
CONCEPTS = (
    ("convolution", N_("Convolution")),
    ("pooling", N_("Pooling")),
    ("normalization", N_("Normalization")),
    ("dropout", N_("Dropout")),
    ("one_by_one", N_("1×1 convolution")),
    ("residual", N_("Residual connections")),
    ("activations", N_("Activation functions")),
    ("receptive_field", N_("Receptive field")),
)


class ConceptsView(QWidget):
    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.pages: dict[str, QWidget] = {
            "convolution": ConvolutionDemo(),
            "pooling": PoolingDemo(),
            "normalization": NormalizationDemo(),
            "dropout": DropoutDemo(),
            "one_by_one": OneByOneDemo(),
            "residual": ResidualDemo(context),
            "activations": ActivationsDemo(context),
            "receptive_field": ReceptiveFieldDemo(),
        }
        self.list = QListWidget(objectName="conceptList")
        self.list.setAccessibleName(_("Concepts"))
        self.list.setFixedWidth(170)
        self.list.setSpacing(1)
        self.stack = QStackedWidget(objectName="conceptStack")
        for key, title in CONCEPTS:
            item = QListWidgetItem(_(title))
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(0, 30))
            self.list.addItem(item)
            self.pages[key].setObjectName(f"{key}Concept")
            self.stack.addWidget(self.pages[key])
        self.list.currentRowChanged.connect(self._on_row)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.stack, 1)
        self.list.setCurrentRow(0)
        context.conceptRequested.connect(self.request)

    def concept_keys(self) -> list[str]:
        return [key for key, _title in CONCEPTS]

    def current_concept(self) -> str:
        return self.concept_keys()[self.list.currentRow()]

    def show_concept(self, key: str) -> None:
        """Show one concept's page; an unknown key raises KeyError (a programming error)."""
        if key not in self.pages:
            raise KeyError(key)
        self.list.setCurrentRow(self.concept_keys().index(key))

    def request(self, key: str) -> None:
        """conceptRequested: show the concept, and the view itself. An unknown key (a lesson
        newer than this view) is ignored rather than breaking the view that asked."""
        if key in self.pages:
            self.show_concept(key)
            self.context.viewRequested.emit("concepts")

    def _on_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        self._start_measurements()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._start_measurements()

    def _start_measurements(self) -> None:
        # The gradient pages measure once they are first seen (not at start-up: TensorFlow).
        page = self.stack.currentWidget()
        if self.isVisible() and hasattr(page, "first_shown"):
            page.first_shown()

    def shutdown(self) -> None:
        for page in self.pages.values():
            if hasattr(page, "shutdown"):
                page.shutdown()
