"""The views of the main window, in sidebar order (the order a person works), and the wires
between them: the run browser resumes through the training view and evaluates through the
Evaluate view; the graph and the evaluation's galleries hand a layer or an image to Explain.
One line (or two) per view; the window itself only composes (main_window.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.gui.shell.main_window import MainWindow


def build_views(window: MainWindow) -> None:
    # Imported here, not at module level, so a test can build the window's parts alone.
    from cnnstudio.gui.course.lessons_view import LessonsView
    from cnnstudio.gui.data.data_panel import DataPanel
    from cnnstudio.gui.graph.graph_view import GraphView
    from cnnstudio.gui.models.model_picker import ModelPicker

    window.add_view("lessons", _("Lessons"), LessonsView(window.context))
    window.add_view("models", _("Models"), ModelPicker(window.context))
    window.add_view("graph", _("Graph"), GraphView(window.context))
    from cnnstudio.gui.concepts.concepts_view import ConceptsView

    window.add_view("concepts", _("Concepts"), ConceptsView(window.context))
    window.add_view("data", _("Data"), DataPanel(window.context))
    # Closing while training: the training view asks (confirm_close), stops the run and the
    # window closes once it is saved (end_before_close); it keeps its last epoch's checkpoint.
    from cnnstudio.gui.insight.evaluation_view import EvaluationView
    from cnnstudio.gui.runs.run_browser import RunBrowser
    from cnnstudio.gui.training.training_panel import TrainingPanel

    training, runs = TrainingPanel(window.context), RunBrowser(window.context)
    evaluation = EvaluationView(window.context)
    runs.resumeRequested.connect(training.resume_run)
    runs.evaluateRequested.connect(evaluation.open_run)
    window.add_view("training", _("Training"), training)
    window.add_view("runs", _("Runs"), runs)
    window.add_view("evaluate", _("Evaluate"), evaluation)
    from cnnstudio.gui.insight.explain_view import ExplainView

    explain = ExplainView(window.context)
    window.view("graph").lookIntoRequested.connect(
        lambda location, layer: _look_into(window, explain, location, layer)
    )
    evaluation.explainRequested.connect(
        lambda run, kind, value, label: _explain_image(window, explain, run, kind, value, label)
    )
    window.add_view("explain", _("Explain"), explain)
    from cnnstudio.gui.pad.pad_view import DrawingPad

    window.add_view("pad", _("Draw"), DrawingPad(window.context))
    # Later views slot in the same way, in the order a person works.


def _explain_image(
    window: MainWindow, explain: QWidget, run: str, kind: str, value: object, label: str
) -> None:
    from cnnstudio.gui.insight.explain_worker import ImageRequest
    from cnnstudio.gui.widgets.trained_models import source_of

    explain.explain_image(source_of(run), ImageRequest(kind, value, label))
    window.show_view("explain")


def _look_into(window: MainWindow, explain: QWidget, location: str, layer: str) -> None:
    from cnnstudio.gui.widgets.trained_models import source_of

    explain.look_into(source_of(location), layer)
    window.show_view("explain")
