"""The model picker: every model of the zoo by family, a card per model, and its options form.

It lists the models from the shipped catalog (names, options, canonical figures) before the
engine has loaded; once it has, a worker recomputes parameters and MACs for the current data
set's input (the selected model first, with its options) and the table updates row by row.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.engine.anatomy.catalog import ModelMeta, load_catalog, load_model_metadata
from cnnstudio.engine.data.datasets import get_dataset_info
from cnnstudio.engine.formatting import format_count, format_shape
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.models.model_cards import card_for, translated
from cnnstudio.gui.models.model_stats import ModelStatsWorker, StatsRequest, StatsResult
from cnnstudio.gui.models.model_tree import NAME, NAME_ROLE, ModelTree
from cnnstudio.gui.models.options_form import OptionsForm
from cnnstudio.i18n import _
from cnnstudio.model_metadata import choose_input_shape


def model_input(meta: ModelMeta, image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """The input a model gets for a data set, by the one rule training uses."""
    return choose_input_shape(meta.min_input, image_shape)


def card_html(meta: ModelMeta) -> str:
    card = card_for(meta.name, meta.family)
    card = translated(card) if card is not None else None
    parts = [f"<p style='color:#555'>{html.escape(_(meta.description))}</p>"]
    if card is not None:
        parts.append(
            f"<h3>{html.escape(card.headline)}</h3>"
            + _("<p><b>What it introduced</b></p>")
            + "<ul>"
        )
        parts += [f"<li>{html.escape(item)}</li>" for item in card.introduced]
        parts.append(
            "</ul>"
            + _("<p><b>Why it mattered</b></p>")
            + f"<p>{html.escape(card.why_it_mattered)}</p>"
        )
        if card.worked_example:
            lines = html.escape("\n".join(card.worked_example))
            parts.append(
                _("<p><b>Check the numbers</b></p>")
                + f"<pre style='background:#f3f3f3'>{lines}</pre>"
            )
    links = concept_links(meta)
    if links:
        parts.append(_("<p><b>See it live:</b> {links}</p>").format(links=links))
    parts.append(
        _("<p style='color:#777'><i>Paper:</i> {paper}</p>").format(paper=html.escape(meta.paper))
    )
    return "".join(parts)


def concept_links(meta: ModelMeta) -> str:
    """Links to the concept demonstrations of the lessons that teach this model's family
    (`concept:KEY`, opened by the card through StudioContext.conceptRequested)."""
    from cnnstudio.gui.course.lessons import CONCEPTS, LESSONS

    metas = load_model_metadata()
    keys: list[str] = []
    for lesson in LESSONS:
        taught = metas.get(lesson.model)
        if taught is not None and taught.family == meta.family:
            keys += [key for key in lesson.concepts if key not in keys]
    separator = _(", ")
    return separator.join(
        f"<a href='concept:{key}'>{html.escape(_(CONCEPTS[key][0]))}</a>" for key in keys
    )


class ModelPicker(QWidget):
    def __init__(self, context: StudioContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelPicker")
        self.setAccessibleName(_("Model picker"))
        self.context = context
        self._metas: dict[str, ModelMeta] = load_model_metadata()
        self._catalog = load_catalog()
        # Figures for the current input, by model name (the selected model's with its options).
        self._figures: dict[str, StatsResult] = {}
        self._options_by_model: dict[str, dict[str, Any]] = {}
        self._stats = ModelStatsWorker(self)
        self._stats.computed.connect(self._on_computed)

        self.search = QLineEdit(objectName="modelSearch", placeholderText=_("Search models…"))
        self.search.setAccessibleName(_("Search models"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.tree = ModelTree()
        self.tree.currentItemChanged.connect(self._on_current_item)
        self.figures_note = QLabel(objectName="figuresNote", wordWrap=True)
        self.figures_note.setAccessibleName(_("About the figures"))
        self.no_match = QLabel(_("No model matches the search."), objectName="noMatchLabel")
        self.no_match.setAccessibleName(_("No match"))
        self.no_match.hide()

        self.title = QLabel(objectName="modelTitle")
        self.title.setAccessibleName(_("Model name"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.figures = QLabel(objectName="modelFigures", wordWrap=True)
        self.figures.setAccessibleName(_("Parameters and MACs"))
        self.figures.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.card = QTextBrowser(objectName="modelCard")
        self.card.setAccessibleName(_("Model card"))
        # Concept links open a demonstration here; a paper's link opens in the browser.
        self.card.setOpenLinks(False)
        self.card.anchorClicked.connect(self._open_link)
        self.options = OptionsForm()
        self.options.optionsChanged.connect(self._on_options_changed)
        options_box = QGroupBox(_("Options"), objectName="optionsGroup")
        options_box.setAccessibleName(_("Options"))
        QVBoxLayout(options_box).addWidget(self.options)

        left = QWidget(objectName="modelListPane")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.search, self.figures_note, self.tree, self.no_match):
            left_layout.addWidget(widget)
        right = QWidget(objectName="modelDetailPane")
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        self.graph_button = QPushButton(_("Layer graph"), objectName="layerGraphButton")
        self.graph_button.setAccessibleName(_("Show the layer graph"))
        self.graph_button.setToolTip(_("Open this model, with its options, in the graph view"))
        self.graph_button.clicked.connect(lambda: self.context.viewRequested.emit("graph"))
        self.train_button = QPushButton(_("Train this model"), objectName="trainThisModelButton")
        self.train_button.setAccessibleName(_("Train this model"))
        self.train_button.setToolTip(
            _("Open the training view with this model and its options selected")
        )
        self.train_button.clicked.connect(lambda: self.context.viewRequested.emit("training"))
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.graph_button)
        title_row.addWidget(self.train_button)
        right_layout.addLayout(title_row)
        right_layout.addWidget(self.figures)
        right_layout.addWidget(self.card, 1)
        right_layout.addWidget(options_box)
        splitter = QSplitter(objectName="modelSplitter")
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([470, 560])
        QVBoxLayout(self).addWidget(splitter)

        self.tree.populate(self._metas, self._catalog)
        context.selectionChanged.connect(self._on_selection_changed)
        context.engineReady.connect(self._on_engine_ready)
        context.engineFailed.connect(self._show_selected_figures)
        self._last_dataset = context.selection.dataset
        self._select(context.selection.model)
        self._update_note()

    # -- selection ------------------------------------------------------------------------------

    def _filter(self, text: str) -> None:
        self.no_match.setVisible(not self.tree.filter(text))

    def visible_models(self) -> list[str]:
        return self.tree.visible_models()

    def _select(self, name: str) -> None:
        item = self.tree.items.get(name)
        if item is not None and self.tree.currentItem() is not item:
            self.tree.setCurrentItem(item)
        elif item is not None:
            self._show_details(name)

    def selected_model(self) -> str | None:
        return self.tree.selected_model()

    def _on_current_item(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        name = item.data(NAME, NAME_ROLE) if item is not None else None
        if name is None:
            return
        selection = self.context.selection
        if selection.model == name:
            options = selection.model_options
        else:
            options = self._options_by_model.get(name, {})
        self._show_details(name, options)
        self.context.set_model(name, options)

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() == "concept":
            self.context.conceptRequested.emit(url.path())
        else:
            QDesktopServices.openUrl(url)

    def _show_details(self, name: str, options: dict[str, Any] | None = None) -> None:
        meta = self._metas[name]
        self.title.setText(meta.display_name)
        self.card.setHtml(card_html(meta))
        self.options.set_model(meta, options or {})
        self._show_selected_figures()
        self._request_figures()

    def _on_options_changed(self, options: dict[str, Any]) -> None:
        name = self.selected_model()
        if name is not None:
            self._options_by_model[name] = options
            self.context.set_model(name, options)
            self._figures.pop(name, None)
            self.tree.show_figures(name, self._figures.get(name))
            self._show_selected_figures()
            self._request_figures()

    def _on_selection_changed(self) -> None:
        selection = self.context.selection
        if selection.model != self.selected_model():
            self._select(selection.model)
        if selection.dataset != self._last_dataset:
            self._last_dataset = selection.dataset
            self._figures.clear()
            for name in self.tree.items:
                self.tree.show_figures(name, self._figures.get(name))
            self._update_note()
            self._show_selected_figures()
            self._request_figures()

    # -- figures for the current input ----------------------------------------------------------

    def _current_data(self) -> tuple[tuple[int, int, int], int, str] | None:
        """(image shape, classes, data set name), or None for an image folder not loaded."""
        try:
            info = get_dataset_info(self.context.selection.dataset)
        except ValueError:
            return None
        return tuple(info.image_shape), info.num_classes, info.name

    def _request_for(self, name: str) -> StatsRequest | None:
        data = self._current_data()
        if data is None or name not in self._metas:
            return None
        shape, classes, _label = data
        options = self.context.selection.model_options if name == self.selected_model() else {}
        return StatsRequest.make(name, model_input(self._metas[name], shape), classes, options)

    def _request_figures(self) -> None:
        """The selected model first; the rest of the zoo only while this view is on screen, so
        model building never competes with a training run shown elsewhere."""
        if not self.context.engine_ready:
            return
        names = [self.selected_model()] if self.selected_model() else []
        if self.isVisible():
            names += [name for name in self._metas if name not in names]
        requests = []
        for name in names:
            request = self._request_for(name)
            if request is None:
                continue
            cached = self._stats.cached(request)
            if cached is not None:
                self._apply(cached)
            else:
                requests.append(request)
        self._stats.request(requests)

    def _on_computed(self, result: StatsResult) -> None:
        if result.request == self._request_for(result.request.model):  # still current
            self._apply(result)

    def _apply(self, result: StatsResult) -> None:
        self._figures[result.request.model] = result
        self.tree.show_figures(result.request.model, result)
        if result.request.model == self.selected_model():
            self._show_selected_figures()

    def _show_selected_figures(self) -> None:
        name = self.selected_model()
        if name is None:
            return
        meta, result, data = self._metas[name], self._figures.get(name), self._current_data()
        entry = self._catalog.get(name)
        canonical = (
            _(
                "At the paper's input {shape} with {classes} classes: {params} parameters, "
                "{macs} MACs."
            ).format(
                shape=format_shape(meta.canonical_input),
                classes=meta.default_classes,
                params=format_count(entry.params),
                macs=format_count(entry.macs),
            )
            if entry
            else ""
        )
        if data is None:
            current = _("An image folder: its figures appear when training starts.")
        elif result is not None and result.error:
            current = _(
                "<span style='color:#b00020'>Cannot build for {name}: {error}</span>"
            ).format(name=data[2], error=html.escape(result.error))
        elif result is not None:
            current = _(
                "<b>For {name}</b> (input {shape}, {classes} classes): <b>{params}</b> "
                "parameters, <b>{macs}</b> MACs per image."
            ).format(
                name=data[2],
                shape=format_shape(result.request.input_shape),
                classes=result.request.num_classes,
                params=f"{result.params:,}",
                macs=format_count(result.macs),
            )
        elif self.context.engine_error:
            current = _("The engine did not load, so only the paper's figures are known.")
        elif self.context.engine_ready:
            current = _("Computing the figures for {name}…").format(name=data[2])
        else:
            current = _("The figures for {name} appear once the engine has loaded.").format(
                name=data[2]
            )
        self.figures.setText(
            _("{family}, {year}. {current}<br>{canonical}").format(
                family=meta.family, year=meta.year, current=current, canonical=canonical
            )
        )

    def _update_note(self) -> None:
        data = self._current_data()
        if data is None:
            self.figures_note.setText(_("Figures at each model's canonical input."))
        else:
            self.figures_note.setText(
                _(
                    "Figures for {value} ({format_shape}, {value2} classes; inputs grown "
                    "to each model's minimum). <i>Italic</i>: at the paper's input, until "
                    "the engine has loaded."
                ).format(value=data[2], format_shape=format_shape(data[0]), value2=data[1])
            )

    def _on_engine_ready(self) -> None:
        if not self._metas:  # no shipped metadata: read the registry now that it is loaded
            from cnnstudio.engine.anatomy.catalog import registry_metadata

            self._metas = {meta.name: meta for meta in registry_metadata()}
            self.tree.populate(self._metas, self._catalog)
            self._select(self.context.selection.model)
        self._show_selected_figures()
        self._request_figures()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._request_figures()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._request_figures()  # drops the rest of the zoo from the queue

    def pending_figures(self) -> int:
        return self._stats.pending()

    def is_ready(self) -> bool:
        """Every listed model has its figures for the current input (or the engine failed)."""
        if self.context.engine_error:
            return True
        return (
            self.context.engine_ready
            and self._stats.pending() == 0
            and all(name in self._figures for name in self._metas)
        )

    def shutdown(self) -> None:
        self._stats.stop_and_wait()
