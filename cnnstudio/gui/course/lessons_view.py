"""The Lessons view: the course's twelve lessons in order, and for the chosen one what it
teaches, its glossary terms as links, and buttons that open its model card, its layer graph, its
concept demonstrations, or the training view with its model selected.

It only selects and asks (`StudioContext.set_model`, `viewRequested`, `conceptRequested`,
`glossaryRequested`); the window and the other views do the rest.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.gui.course.glossary_terms import BY_KEY
from cnnstudio.gui.course.lessons import CONCEPTS, LESSONS, Lesson
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.i18n import _, pgettext

# The view that will show concept demonstrations; until it exists the window ignores the key.
CONCEPTS_VIEW = "concepts"


def d2l_tooltip(name: str) -> str:
    """The tooltip that gives d2l-zh's name where the course's differs ("" where it does not)."""
    return _("In d2l-zh (动手学深度学习): {name}").format(name=name) if name else ""


def other_names_tooltip(term_key: str) -> str:
    """A term's other names (d2l-zh's, common course notes') as a tooltip; "" if it has none."""
    names = BY_KEY[term_key].other
    return _("Also called (d2l-zh and course notes): {names}").format(names=names) if names else ""


class LessonsView(QWidget):
    """A list of lessons beside the chosen lesson's summary, terms and actions."""

    # The person asks for the "Start here" tour (the window's tour panel listens).
    tourRequested = Signal()

    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._names = {name: meta.display_name for name, meta in load_model_metadata().items()}
        self._lesson: Lesson = LESSONS[0]

        intro = QLabel(
            _(
                "A path through the course: twelve lessons, in the order the networks "
                "appeared. Each one opens its model, its layer graph and its ideas."
            ),
            objectName="lessonsIntro",
            wordWrap=True,
        )
        self.lesson_list = QListWidget(objectName="lessonList")
        self.lesson_list.setAccessibleName(_("Lessons of the course"))
        self.lesson_list.setFixedWidth(230)
        # A longer language wraps a title onto a second line instead of hiding its end.
        self.lesson_list.setWordWrap(True)
        self.lesson_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for number, lesson in enumerate(LESSONS, start=1):
            item = QListWidgetItem(
                _("{number}. {title}").format(number=number, title=_(lesson.title))
            )
            item.setData(Qt.ItemDataRole.UserRole, lesson.key)
            item.setToolTip(d2l_tooltip(lesson.d2l))
            self.lesson_list.addItem(item)
        self.lesson_list.currentRowChanged.connect(self._show_row)

        self.title = QLabel(objectName="lessonTitle", wordWrap=True)
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.model_label = QLabel(objectName="lessonModel", wordWrap=True)
        self.summary = QLabel(objectName="lessonSummary", wordWrap=True)
        self.terms = QLabel(objectName="lessonTerms", wordWrap=True)
        self.terms.setTextFormat(Qt.TextFormat.RichText)
        self.terms.setAccessibleName(_("Terms of this lesson"))
        self.terms.linkActivated.connect(self._open_term)
        self.terms.linkHovered.connect(self._hover_term)

        self.card_button = self._button("lessonCardButton", _("Open the model card"))
        self.card_button.clicked.connect(lambda: self._open_model("models"))
        self.graph_button = self._button("lessonGraphButton", _("Show the layer graph"))
        self.graph_button.clicked.connect(lambda: self._open_model("graph"))
        self.train_button = self._button("lessonTrainButton", _("Train this model"))
        self.train_button.clicked.connect(lambda: self._open_model("training"))
        actions = QGridLayout()
        actions.addWidget(self.card_button, 0, 0)
        actions.addWidget(self.graph_button, 0, 1)
        actions.addWidget(self.train_button, 1, 0)

        concepts_title = QLabel(_("Concept demonstrations"), objectName="conceptsTitle")
        concepts_title.setStyleSheet("font-weight: 600;")
        self.concept_buttons: dict[str, QPushButton] = {}
        self._concepts = QGridLayout()
        for key, (label, term) in CONCEPTS.items():
            text = _("Demo: {concept}").format(concept=_(label))
            button = self._button(f"concept_{key}_button", text)
            button.setToolTip(other_names_tooltip(term))
            button.clicked.connect(lambda _checked=False, key=key: self._open_concept(key))
            self.concept_buttons[key] = button

        self.glossary_button = self._button("lessonGlossaryButton", _("Glossary…"))
        self.glossary_button.clicked.connect(lambda: self.context.glossaryRequested.emit(""))
        self.tour_button = self._button("lessonTourButton", _("Start here…"))
        self.tour_button.clicked.connect(self.tourRequested.emit)
        more = QHBoxLayout()
        more.addWidget(self.glossary_button)
        more.addWidget(self.tour_button)
        more.addStretch(1)

        detail = QVBoxLayout()
        detail.addWidget(self.title)
        detail.addWidget(self.model_label)
        detail.addWidget(self.summary)
        detail.addWidget(self.terms)
        detail.addSpacing(6)
        detail.addLayout(actions)
        detail.addSpacing(6)
        detail.addWidget(concepts_title)
        detail.addLayout(self._concepts)
        detail.addStretch(1)
        detail.addLayout(more)

        body = QHBoxLayout()
        body.addWidget(self.lesson_list)
        body.addLayout(detail, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(body, 1)
        self.lesson_list.setCurrentRow(0)

    def _button(self, name: str, text: str) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setAccessibleName(text)
        return button

    # -- the chosen lesson ----------------------------------------------------------------------

    def lesson(self) -> Lesson:
        return self._lesson

    def show_lesson(self, key: str) -> None:
        row = next(i for i, lesson in enumerate(LESSONS) if lesson.key == key)
        self.lesson_list.setCurrentRow(row)

    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(LESSONS):
            return
        lesson = self._lesson = LESSONS[row]
        self.title.setText(_(lesson.title))
        self.title.setToolTip(d2l_tooltip(lesson.d2l))
        self.model_label.setText(
            _("Model: {model}").format(model=self._names.get(lesson.model, lesson.model))
        )
        self.summary.setText(_(lesson.summary))
        # Chinese lists with 、, not with a comma: the separator is the catalog's too.
        links = pgettext("list separator", ", ").join(
            f'<a href="{key}">{escape(_(BY_KEY[key].english))}</a>' for key in lesson.terms
        )
        self.terms.setText(_("Terms: {terms}").format(terms=links))
        # Only the lesson's own demonstrations show, packed two to a row from the top left.
        for button in self.concept_buttons.values():
            self._concepts.removeWidget(button)
            button.hide()
        for index, key in enumerate(lesson.concepts):
            self._concepts.addWidget(self.concept_buttons[key], index // 2, index % 2)
            self.concept_buttons[key].show()

    # -- what the buttons ask -------------------------------------------------------------------

    def _open_model(self, view: str) -> None:
        self.context.set_model(self._lesson.model)
        self.context.viewRequested.emit(view)

    def _open_concept(self, key: str) -> None:
        self.context.conceptRequested.emit(key)
        self.context.viewRequested.emit(CONCEPTS_VIEW)

    def _hover_term(self, key: str) -> None:
        # A QLabel has one tooltip: it follows the link under the pointer ("" when none).
        self.terms.setToolTip(other_names_tooltip(key) if key in BY_KEY else "")

    def _open_term(self, key: str) -> None:
        self.context.glossaryRequested.emit(key)
