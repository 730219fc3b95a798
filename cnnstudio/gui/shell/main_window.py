"""The main window: a sidebar of views, the menus, the status bar. It composes; it does not train,
plot or parse.

Each view is a widget registered under a stable key with `add_view`, all in `_build_views`.
Views talk to each other only through the shared `StudioContext` (selection, engine readiness,
`viewRequested`). A view may offer two optional methods that the window calls on close:

* `confirm_close() -> bool`: ask the person (for example "training is running: stop it?");
  returning False keeps the window open.
* `shutdown() -> None`: end its work in flight; called once, after every view agreed.

and two for its own preferences, both given the app's QSettings (`cnnstudio.gui.ground.settings`):
`restore_settings(settings)` after all views are built, `save_settings(settings)` on close.

Whatever a view leaves, no thread outlives the window: after the views' `shutdown`, the window
stops and waits for every running `Worker` (`cnnstudio.gui.workers.stop_all`), the one place
where that is enforced; a worker still running after its wait keeps the app (not the window)
until it ends, so Qt never destroys a running thread.

TensorFlow is never imported here: `load_engine()` starts `EngineLoader` after the window is
shown, and the status bar tells how far it got.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from cnnstudio import __version__
from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.engine.data.datasets import list_datasets
from cnnstudio.gui.ground.context import StudioContext
from cnnstudio.gui.ground.settings import (
    Setting,
    app_settings,
    read_json,
    read_setting,
    write_json,
)
from cnnstudio.gui.models.options_form import usable_options
from cnnstudio.gui.shell.engine_loader import EngineLoader, EngineStatus
from cnnstudio.gui.workers import stop_all
from cnnstudio.i18n import _


class MainWindow(QMainWindow):
    """Sidebar + stacked views; engine status and device in the status bar."""

    # Emitted once, on the first show event (start-up measurement, the screenshot command).
    firstShown = Signal()
    # The window has closed for good: its views shut down, its settings saved.
    closed = Signal()

    def __init__(
        self,
        context: StudioContext | None = None,
        parent: QWidget | None = None,
        *,
        use_settings: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(_("CNN Studio"))
        self.setAccessibleName(_("CNN Studio main window"))
        self.context = context if context is not None else StudioContext(parent=self)
        self._views: dict[str, QWidget] = {}
        self._frames: dict[str, QScrollArea] = {}  # each view's scroll area in the stack
        self._loader: EngineLoader | None = None
        self._use_settings = use_settings
        # time.time() of the first show event (start-up measurement); None before.
        self.shown_at: float | None = None
        self._closed = False
        self._ending = 0  # views still ending their work after the person agreed to close

        self._sidebar = QListWidget(objectName="viewList")
        self._sidebar.setAccessibleName(_("Views"))
        self._sidebar.setFixedWidth(150)
        self._sidebar.setIconSize(QSize(20, 20))
        self._sidebar.setSpacing(2)
        self._stack = QStackedWidget(objectName="viewStack")
        self._stack.setAccessibleName(_("Current view"))
        self._sidebar.currentRowChanged.connect(self._stack.setCurrentIndex)

        central = QWidget(objectName="centralArea")
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self._sidebar)
        layout.addWidget(self._stack, 1)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_status_bar()
        if use_settings:
            self._restore_selection()
        self._build_views()
        self._restore_window()

        self.context.viewRequested.connect(self._show_requested_view)
        from cnnstudio.gui.course.tour import CourseHelp

        lessons = self.view("lessons")
        self.course = CourseHelp(self, self._help_menu, lessons, use_settings=use_settings)
        self.context.engineReady.connect(self._on_engine_ready)
        self.context.engineFailed.connect(self._on_engine_failed)

    # -- views ----------------------------------------------------------------------------------

    def _build_views(self) -> None:
        """Every view of the window, in sidebar order, and the wires between them (views.py)."""
        from cnnstudio.gui.shell.views import build_views

        build_views(self)

    def add_view(self, key: str, title: str, widget: QWidget) -> None:
        if key in self._views:
            raise ValueError(f"a view {key!r} is already registered")
        if not widget.objectName():
            widget.setObjectName(f"{key}View")
        if not widget.accessibleName():
            widget.setAccessibleName(_("{title} view").format(title=title))
        self._views[key] = widget
        # A view that needs more room than the window has scrolls; it never widens the window
        # (a longer language, a small screen: DESIGN, "from 1024x700 to 4K").
        frame = QScrollArea(objectName=f"{key}Scroll", widgetResizable=True)
        frame.setFrameShape(QFrame.Shape.NoFrame)
        frame.setWidget(widget)
        self._frames[key] = frame
        self._stack.addWidget(frame)
        from cnnstudio.gui.widgets.glyphs import view_icon

        palette = self._sidebar.palette()
        item = QListWidgetItem(
            view_icon(key, palette.text().color(), palette.highlightedText().color()), title
        )
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setSizeHint(QSize(0, 34))
        self._sidebar.addItem(item)
        # View menu entry; Ctrl+1..9 in sidebar order, so the keyboard reaches every view.
        action = QAction(title, self, objectName=f"show_{key}_action")
        position = len(self._views)
        if position <= 9:
            action.setShortcut(QKeySequence(f"Ctrl+{position}"))
        action.triggered.connect(lambda _checked=False, key=key: self.show_view(key))
        self._view_menu.addAction(action)
        if self._sidebar.currentRow() < 0:
            self._sidebar.setCurrentRow(0)

    def show_view(self, key: str) -> None:
        """Bring a view to the front; an unknown key raises KeyError (a programming error)."""
        self._sidebar.setCurrentRow(self._stack.indexOf(self._frames[key]))

    def _show_requested_view(self, key: str) -> None:
        # A view may ask for one this window lacks yet (the Concepts view): a wish, not an error.
        if key in self._frames:
            self.show_view(key)

    def view(self, key: str) -> QWidget:
        return self._views[key]

    def view_keys(self) -> list[str]:
        return list(self._views)

    def current_view(self) -> str:
        frame = self._stack.currentWidget()
        return next((key for key, shown in self._frames.items() if shown is frame), "")

    # -- actions --------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.screenshot_action = QAction(
            _("Save &Screenshot…"), self, objectName="screenshotAction"
        )
        self.screenshot_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.screenshot_action.setStatusTip(_("Save a PNG image of this window"))
        self.screenshot_action.triggered.connect(self._ask_screenshot)
        self.quit_action = QAction(_("&Quit"), self, objectName="quitAction")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.about_action = QAction(_("&About CNN Studio"), self, objectName="aboutAction")
        self.about_action.triggered.connect(self._show_about)

        menu_bar = self.menuBar()
        menu_bar.setObjectName("menuBar")
        file_menu = menu_bar.addMenu(_("&File"))
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(self.screenshot_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._view_menu = menu_bar.addMenu(_("&View"))
        self._view_menu.setObjectName("viewMenu")
        self._build_language_menu(menu_bar.addMenu(_("&Language")))
        self._help_menu = help_menu = menu_bar.addMenu(_("&Help"))
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.about_action)
        from cnnstudio.gui.shell.help import add_help

        add_help(self, help_menu)

    def _build_language_menu(self, menu: QMenu) -> None:
        """System / English / 简体中文, remembered and applied at the next start (every text
        of every view is made in one language; switching live would leave a mix)."""
        from PySide6.QtGui import QActionGroup

        from cnnstudio.gui.ground.language import CHOICES, LANGUAGE_SETTING, chosen_language

        menu.setObjectName("languageMenu")
        group = QActionGroup(menu)
        current = chosen_language(app_settings() if self._use_settings else None)
        self.language_actions = {}
        for code, label in CHOICES:
            action = QAction(_(label) if code == "system" else label, menu, checkable=True)
            action.setObjectName(f"language_{code}")
            action.setChecked(code == current)
            group.addAction(action)
            menu.addAction(action)
            action.triggered.connect(lambda _checked=False, c=code: self._choose_language(c))
            self.language_actions[code] = action
        self._language_setting = LANGUAGE_SETTING

    def _choose_language(self, code: str) -> None:
        if self._use_settings:
            app_settings().setValue(self._language_setting.key, code)
        self.statusBar().showMessage(_("The language changes at the next start."), 8000)

    def save_screenshot(self, path: str | Path) -> Path:
        """Save a PNG of the whole window (menus and status bar included)."""
        path = Path(path)
        if not self.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path

    def _ask_screenshot(self) -> None:
        name, _chosen_filter = QFileDialog.getSaveFileName(
            self,
            _("Save screenshot"),
            _("cnnstudio-{value}.png").format(value=self.current_view() or "window"),
            _("PNG images (*.png)"),
        )
        if name:
            try:
                self.save_screenshot(name)
            except OSError as error:
                QMessageBox.warning(self, _("Screenshot not saved"), str(error))
            else:
                self.statusBar().showMessage(_("Saved {name}").format(name=name), 5000)

    def _show_about(self) -> None:
        status = self.context.engine_status
        engine = (
            f"Keras {status.keras_version} on TensorFlow {status.tensorflow_version}"
            if isinstance(status, EngineStatus)
            else "the engine is still loading"
        )
        QMessageBox.about(
            self,
            "About CNN Studio",
            f"<h3>CNN Studio {__version__}</h3>"
            "<p>Learn, train and use the classic convolutional networks: LeNet-5, AlexNet, "
            "VGG, NiN, Inception, ResNet, ResNeXt and DenseNet.</p>"
            f"<p>Engine: {engine}.</p>",
        )

    # -- engine loading and the status bar ------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self._engine_label = QLabel(_("Engine not loaded"), objectName="engineStatusLabel")
        self._engine_label.setAccessibleName(_("Engine status"))
        self._engine_busy = QProgressBar(objectName="engineBusyIndicator")
        self._engine_busy.setAccessibleName(_("Engine loading"))
        self._engine_busy.setRange(0, 0)  # indeterminate: an import reports no progress
        self._engine_busy.setFixedWidth(120)
        self._engine_busy.setMaximumHeight(14)
        self._engine_busy.setTextVisible(False)
        self._engine_busy.hide()
        self._device_label = QLabel(_("Device: –"), objectName="deviceLabel")
        self._device_label.setAccessibleName(_("Training device"))
        bar.addWidget(self._engine_busy)
        bar.addWidget(self._engine_label, 1)
        bar.addPermanentWidget(self._device_label)

    def load_engine(self) -> None:
        """Import TensorFlow and the zoo in the background (once); the context says when done."""
        if self._loader is not None or self.context.engine_ready:
            return
        self._loader = EngineLoader(self)
        self._loader.loaded.connect(self.context.mark_engine_ready)
        self._loader.failed.connect(self.context.mark_engine_failed)
        self._engine_label.setText(_("Loading TensorFlow and the model zoo…"))
        self._engine_busy.show()
        self._loader.start()

    def engine_loading(self) -> bool:
        return self._loader is not None and self._loader.isRunning()

    def _on_engine_ready(self) -> None:
        self._engine_busy.hide()
        status = self.context.engine_status
        if isinstance(status, EngineStatus):
            self._engine_label.setText(
                _(
                    "Engine ready: Keras {keras_version}, TensorFlow {tensorflow_version} "
                    "(loaded in {seconds:.1f} s)"
                ).format(
                    keras_version=status.keras_version,
                    tensorflow_version=status.tensorflow_version,
                    seconds=status.seconds,
                )
            )
            device = status.best_device
            if device is not None:
                self._device_label.setText(
                    _("Device: {name} ({description})").format(
                        name=device.name, description=device.description
                    )
                )
            if status.no_gpu_reason:  # one line: training works, on the CPU, and why
                self._device_label.setText(
                    _("Device: CPU (no GPU: {no_gpu_reason})").format(
                        no_gpu_reason=status.no_gpu_reason
                    )
                )
        else:
            self._engine_label.setText(_("Engine ready"))

    def _on_engine_failed(self, message: str) -> None:
        self._engine_busy.hide()
        self._engine_label.setText(_("Engine failed to load: {message}").format(message=message))
        self._engine_label.setStyleSheet("color: #b00020;")

    # -- settings -------------------------------------------------------------------------------

    def _restore_selection(self) -> None:
        """The last model (with options) and data set, before the views read the context.
        Anything that no longer fits (a model or option renamed since, a folder moved) falls
        back to the default instead of reaching the training form."""
        settings = app_settings()
        model = read_setting(settings, Setting("selection/model", "text"))
        meta = load_model_metadata().get(model) if isinstance(model, str) else None
        if meta is not None:
            options = read_json(settings, "selection/model_options", {})
            self.context.set_model(meta.name, usable_options(meta, options))
        dataset = read_setting(settings, Setting("selection/dataset", "text"))
        folder = read_setting(settings, Setting("selection/image_folder", "text"))
        if dataset == "folder" and isinstance(folder, str) and Path(folder).is_dir():
            self.context.set_dataset("folder", Path(folder))
        elif isinstance(dataset, str) and dataset in {i.name for i in list_datasets()}:
            self.context.set_dataset(dataset)

    def _restore_window(self) -> None:
        if not self._use_settings:
            self.resize(1200, 780)
            return
        settings = app_settings()
        geometry = read_setting(settings, Setting("window/geometry", "bytes"))
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            self.resize(1200, 780)
        view = read_setting(
            settings, Setting("window/view", "text", None, choices=tuple(self._views))
        )
        if isinstance(view, str) and view in self._views:
            self.show_view(view)
        for splitter in self._named_splitters():
            state = read_setting(settings, Setting(f"splitters/{splitter.objectName()}", "bytes"))
            if isinstance(state, QByteArray):
                splitter.restoreState(state)  # False for a damaged state: the default stays
        for widget in self._views.values():
            restore = getattr(widget, "restore_settings", None)
            if callable(restore):
                restore(settings)

    def _named_splitters(self) -> list[QSplitter]:
        names = [s.objectName() for s in self.findChildren(QSplitter)]
        # A name used twice would restore one splitter's state into the other: those are skipped.
        return [
            s
            for s in self.findChildren(QSplitter)
            if s.objectName() and names.count(s.objectName()) == 1
        ]

    def save_settings(self) -> None:
        if not self._use_settings:
            return
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/view", self.current_view())
        # Every splitter a person may have dragged (graph, runs, evaluation, explain…), by name.
        for splitter in self._named_splitters():
            settings.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        selection = self.context.selection
        settings.setValue("selection/model", selection.model)
        write_json(settings, "selection/model_options", selection.model_options)
        settings.setValue("selection/dataset", selection.dataset)
        settings.setValue(
            "selection/image_folder", str(selection.image_folder) if selection.image_folder else ""
        )
        for view in self._views.values():
            save = getattr(view, "save_settings", None)
            if callable(save):
                save(settings)
        settings.sync()

    # -- show and close -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.shown_at is None:
            self.shown_at = time.time()
            # After this event returns, so the first frame is painted before anything else.
            QTimer.singleShot(0, self.firstShown.emit)

    def _close_when_ended(self) -> None:
        self._ending -= 1
        if self._ending == 0:
            # Queued: the view's own handling of its end runs first.
            QTimer.singleShot(0, self.close)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        if self._ending:  # already agreed and stopping: closes by itself once saved
            event.ignore()
            return
        # Views with work in flight (training) ask the person first; any "no" keeps the window.
        for view in self._views.values():
            confirm = getattr(view, "confirm_close", None)
            if callable(confirm) and not confirm():
                event.ignore()
                return
        # Work that ends on its own schedule (a run finishing its step and saving itself): the
        # window says so at once and stays responsive, and closes when the last has ended.
        ending = [
            view
            for view in self._views.values()
            if callable(getattr(view, "end_before_close", None))
            and view.end_before_close(self._close_when_ended)
        ]
        if ending:
            self._ending = len(ending)
            event.ignore()
            self.centralWidget().setEnabled(False)
            self.menuBar().setEnabled(False)
            self.statusBar().showMessage(
                _("Stopping the training run and saving it; the window closes when it is saved…")
            )
            return
        self._closed = True
        self.save_settings()
        for view in self._views.values():
            shutdown = getattr(view, "shutdown", None)
            if callable(shutdown):
                shutdown()
        if self.engine_loading():
            # A TensorFlow import cannot be cancelled; exiting mid-import can crash the process.
            self._engine_label.setText(_("Waiting for the engine to finish loading…"))
        left = stop_all()
        if left:
            # A job outlived its wait (an import, a download): quitting now would destroy a
            # running QThread, and Qt aborts the process. The window goes; the app quits once
            # they have ended.
            event.ignore()
            self.hide()
            self._quit_after(left)
            return
        event.accept()
        self.closed.emit()

    def _quit_after(self, workers: list) -> None:
        names = ", ".join(worker.objectName() for worker in workers)
        print(
            _("cnnstudio: waiting for {names} to end before quitting").format(names=names),
            file=sys.stderr,
        )
        poll = QTimer(self, objectName="quitWhenWorkersEnd", interval=100)

        def check() -> None:
            if not any(worker.isRunning() for worker in workers):
                poll.stop()
                self.closed.emit()

        poll.timeout.connect(check)
        poll.start()
