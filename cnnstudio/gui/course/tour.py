"""The "Start here" tour: four steps that take a newcomer, in a few minutes, from drawing a digit
to training LeNet-5, to ResNet-50's layer graph, to evaluating the run they trained.

A small non-modal panel docked at the top of the window (Back / Next / Close, and "Show me",
which switches the view and selects what the step needs), so the person works in the real views
while it stays in sight. `CourseHelp` wires it, the glossary and the Help menu into a window: the
tour opens by itself on the first start only (a preference), never for a window without
settings (the tests' windows), and always from Help > "Start here…".
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QWidget,
)

from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.ground.settings import Setting, app_settings, read_setting
from cnnstudio.i18n import N_, _

TOUR_SEEN = Setting("course/tour_seen", "bool", False)


@dataclass(frozen=True)
class Step:
    view: str
    text: str  # N_
    model: str | None = None
    dataset: str | None = None


STEPS: tuple[Step, ...] = (
    Step(
        "pad",
        N_(
            "Draw a digit on the pad: the bundled LeNet-5 reads it as you draw and shows what "
            "its layers see."
        ),
    ),
    Step(
        "training",
        N_(
            "Train your own LeNet-5 on 5,000 MNIST digits: press Train and watch the loss fall, "
            "epoch by epoch. It takes a few minutes on a CPU."
        ),
        model="lenet5",
        dataset="mnist-5k",
    ),
    Step(
        "graph",
        N_(
            "Open the layer graph of ResNet-50: fifty layers of residual blocks, each with its "
            "shapes, parameters and FLOPs."
        ),
        model="resnet50",
    ),
    Step(
        "evaluate",
        N_(
            "Evaluate the run you trained: its accuracy for each digit, the confusion matrix "
            "and the images behind every error."
        ),
    ),
)


class StartTour(QDockWidget):
    """The tour's panel: "Step n of 4", the step's sentence, Show me, Back, Next, Close."""

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(_("Start here"), parent)
        self.setObjectName("startTour")
        self.setAccessibleName(_("Start here tour"))
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.context = context
        self._index = 0
        self.counter = QLabel(objectName="tourCounter")
        self.counter.setStyleSheet("font-weight: 600;")
        self.sentence = QLabel(objectName="tourSentence", wordWrap=True)
        self.show_button = self._button("tourShowButton", _("Show me"))
        self.show_button.clicked.connect(self.show_me)
        self.back_button = self._button("tourBackButton", _("Back"))
        self.back_button.clicked.connect(lambda: self.go(self._index - 1))
        self.next_button = self._button("tourNextButton", _("Next"))
        self.next_button.clicked.connect(lambda: self.go(self._index + 1))
        self.close_button = self._button("tourCloseButton", _("Close"))
        self.close_button.clicked.connect(self.close)

        body = QWidget(objectName="tourBody")
        layout = QHBoxLayout(body)
        layout.addWidget(self.counter)
        layout.addWidget(self.sentence, 1)
        for button in (self.show_button, self.back_button, self.next_button, self.close_button):
            layout.addWidget(button)
        self.setWidget(body)
        self.go(0)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAccessibleName(text)
        return button

    def step(self) -> int:
        return self._index

    def start(self) -> None:
        self.go(0)
        self.show()
        self.raise_()

    def go(self, index: int) -> None:
        self._index = max(0, min(index, len(STEPS) - 1))
        self.counter.setText(
            _("Step {number} of {count}").format(number=self._index + 1, count=len(STEPS))
        )
        self.sentence.setText(_(STEPS[self._index].text))
        self.back_button.setEnabled(self._index > 0)
        self.next_button.setEnabled(self._index < len(STEPS) - 1)

    def show_me(self) -> None:
        """Select what the step needs, then bring its view to the front."""
        step = STEPS[self._index]
        if step.model is not None:
            self.context.set_model(step.model)
        if step.dataset is not None:
            self.context.set_dataset(step.dataset)
        self.context.viewRequested.emit(step.view)


class CourseHelp(QObject):
    """The tour, the glossary and their Help menu entries for one window."""

    def __init__(
        self, window: QMainWindow, help_menu: QMenu, lessons: QWidget, *, use_settings: bool
    ) -> None:
        super().__init__(window)
        self._window = window
        self._glossary = None  # made on first use: most sessions never open it
        self.tour = StartTour(window.context, window)
        window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, self.tour)
        self.tour.hide()
        self.tour_action = QAction(_("Start here…"), window, objectName="startTourAction")
        self.tour_action.triggered.connect(self.tour.start)
        self.glossary_action = QAction(_("Glossary…"), window, objectName="glossaryAction")
        self.glossary_action.triggered.connect(lambda: self.open_glossary(""))
        first = help_menu.actions()[0] if help_menu.actions() else None
        help_menu.insertAction(first, self.tour_action)
        help_menu.insertAction(first, self.glossary_action)
        help_menu.insertSeparator(first)
        window.context.glossaryRequested.connect(self.open_glossary)
        lessons.tourRequested.connect(self.tour.start)
        if use_settings:
            settings = app_settings()
            if not read_setting(settings, TOUR_SEEN):
                # Marked at once: a person who closes the app mid-tour is not shown it again.
                settings.setValue(TOUR_SEEN.key, True)
                self.tour.start()

    def glossary(self):
        from cnnstudio.gui.course.glossary import GlossaryDialog

        if self._glossary is None:
            self._glossary = GlossaryDialog(self._window)
        return self._glossary

    def open_glossary(self, key: str) -> None:
        self.glossary().show_term(key)
