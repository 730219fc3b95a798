"""Live training charts: matplotlib on its Qt backend, redrawn at a bounded rate by blitting.

Three axes: loss (log scale by default) and accuracy side by side, the learning rate in a small
axis below. Each run has one colour (`chart_data.run_colour`); within a run, training is solid
(the smoothed batch curve, with the raw one faint behind it, and the epoch means as squares) and
validation is dashed with circles; a star marks the best epoch.

Why it stays cheap while a run trains: points go into `RunSeries` (all kept) and only mark the
chart dirty; a timer redraws at most `max_fps` times a second and only when dirty. A redraw sets
decimated data on the lines (`chart_data.decimate`) and blits them over a saved background
(a few ms); the full draw (30-60 ms: ticks, labels, layout) happens only when an axis' limits must
grow, the set of runs changes or an option changes. The x axis spans the planned epochs from the
start and the y limits only grow during a run, so full draws stay rare.
"""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, FuncFormatter, LogLocator, NullFormatter
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from cnnstudio.gui.ground.fonts import matplotlib_families
from cnnstudio.gui.widgets.chart_data import (
    CSV_HEADER,
    RunSeries,
    Smoother,
    decimate,
    grow_limits,
    run_colour,
)
from cnnstudio.i18n import _

DEFAULT_SMOOTHING = 0.6  # TensorBoard's default


class _SeriesArtists:
    """The lines of one run and the smoothing caches that feed them."""

    def __init__(self, series: RunSeries, colour: str) -> None:
        self.series = series
        self.colour = colour
        self.lines: dict[str, Line2D] = {}
        self.smoothers = {"loss": Smoother(), "accuracy": Smoother()}
        self.drawn_version = -1
        self.drawn_weight = -1.0


LEGEND_ONE_ROW_PX = 640


class TrainingChart(QWidget):
    """Loss, accuracy and learning rate of one or more runs, with smoothing and exports."""

    redrawn = Signal()

    def __init__(self, parent: QWidget | None = None, *, max_fps: float = 10.0) -> None:
        super().__init__(parent)
        self.setObjectName("trainingChart")
        self.setAccessibleName(_("Training charts"))
        self._runs: dict[str, _SeriesArtists] = {}
        self._dirty = False
        self._needs_full = True
        self._background = None
        self._limits: dict[str, tuple[float, float]] = {}
        self._drawn_legend: tuple = ()
        # The x axis spans at least this many epochs: the training view sets it from its form,
        # so the axes already fit the next run and pressing Train causes no full draw.
        self.planned_epochs = 1
        self.planned_learning_rate: float | None = None
        # Measurements (tests, the bench): seconds per redraw and how many were full draws.
        self.redraw_seconds: list[float] = []
        self.full_draw_seconds: list[float] = []

        # Margins in pixels, set on resize, not a layout engine: constrained layout doubled the
        # cost of a full draw.
        # Chinese titles need a font with their glyphs: matplotlib falls back glyph by glyph
        # only along an explicit list of families (a generic "sans-serif" is one font).
        matplotlib.rcParams["font.family"] = matplotlib_families()
        self.figure = Figure(figsize=(8, 5), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("chartCanvas")
        self.canvas.setAccessibleName(_("Loss, accuracy and learning-rate chart"))
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self.canvas.mpl_connect("resize_event", self._fit_margins)
        self._build_axes()
        self._fit_margins()
        self._follow_palette()

        self._timer = QTimer(self, objectName="chartRedrawTimer")
        self._timer.setInterval(max(1, int(1000 / max_fps)))
        self._timer.timeout.connect(self._on_timer)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.empty_label)
        layout.addWidget(self.canvas, 1)

    # -- building -------------------------------------------------------------------------------

    def _build_axes(self) -> None:
        grid = self.figure.add_gridspec(2, 2, height_ratios=(3, 1))
        self.loss_axes = self.figure.add_subplot(grid[0, 0])
        self.accuracy_axes = self.figure.add_subplot(grid[0, 1], sharex=self.loss_axes)
        self.rate_axes = self.figure.add_subplot(grid[1, :], sharex=self.loss_axes)
        for axes, title in (
            (self.loss_axes, _("Loss")),
            (self.accuracy_axes, _("Accuracy")),
            (self.rate_axes, _("Learning rate")),
        ):
            axes.set_title(title, fontsize=10, loc="left")
            axes.grid(True, alpha=0.3)
            axes.tick_params(labelsize=8)
        self.rate_axes.set_xlabel(_("epoch"), fontsize=9)
        # "0.005" on each tick reads better than an offset text ("1e-3") beside the title.
        self.rate_axes.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        self._set_loss_scale(log=True)
        self._style_legend()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()

    def _follow_palette(self) -> None:
        """The figure in the theme's colours (light or dark): surfaces, text, ticks, frames and
        the legend's symbols; the runs keep their palette colours, which read on both."""
        from cnnstudio.gui.ground.theme import is_dark

        palette = self.palette()
        dark = is_dark(palette)
        text = palette.color(QPalette.ColorRole.WindowText).name()
        frame = palette.color(QPalette.ColorRole.Mid).name()
        self._ink = text if dark else "#555555"
        self.figure.set_facecolor(palette.color(QPalette.ColorRole.Window).name())
        for axes in (self.loss_axes, self.accuracy_axes, self.rate_axes):
            axes.set_facecolor(palette.color(QPalette.ColorRole.Base).name())
            axes.tick_params(colors=text)
            # The titles sit on the left (`loc="left"`): that title object, not the centred one.
            axes.set_title(axes.get_title(loc="left"), fontsize=10, loc="left", color=text)
            axes.xaxis.label.set_color(text)
            for spine in axes.spines.values():
                spine.set_color(frame if dark else "black")
        self._legend.remove()
        self._style_legend(self._legend_columns)
        self.canvas.draw_idle()

    def _fit_margins(self, _event=None) -> None:
        """Room for the legend row, titles, tick labels and the x label, in pixels, whatever
        the canvas size (fractions alone cut them off in a short chart)."""
        width, height = self.figure.bbox.width, self.figure.bbox.height
        if width < 200 or height < 200:
            return
        # The legend's five entries in one row need about 640 px; narrower, in rows of three
        # (at 1024 px beside the form they were cut at both ends).
        columns = 5 if width >= LEGEND_ONE_ROW_PX else 3
        legend = getattr(self, "_legend", None)
        if legend is not None and self._legend_columns != columns:
            legend.remove()  # the entries are laid out when a legend is made: make it anew
            self._style_legend(columns)
        extra = 0 if columns == 5 else 16  # the legend's second row
        left, right = 58 / width, 1 - 14 / width
        top, bottom = 1 - (58 + extra) / height, 42 / height
        # Gaps between rows and columns, in units of the mean axes height / width (two each).
        plot_height, plot_width = height * (top - bottom), width * (right - left)
        row_gap, column_gap = 62.0, 70.0
        self.figure.subplots_adjust(
            left=left,
            right=right,
            top=top,
            bottom=bottom,
            hspace=row_gap / max(1.0, (plot_height - row_gap) / 2),
            wspace=column_gap / max(1.0, (plot_width - column_gap) / 2),
        )

    def _style_legend(self, columns: int = 5) -> None:
        grey = getattr(self, "_ink", "#555555")
        handles = [
            Line2D([], [], color=grey, lw=1.6, label=_("training (smoothed)")),
            Line2D([], [], color=grey, lw=0.8, alpha=0.3, label=_("training (raw)")),
            Line2D([], [], color=grey, ls="none", marker="s", ms=4, label=_("training, epoch")),
            Line2D([], [], color=grey, ls="--", marker="o", ms=4, label=_("validation")),
            Line2D([], [], color=grey, ls="none", marker="*", ms=10, label=_("best epoch")),
        ]
        self._legend_columns = columns
        self._legend = self.figure.legend(
            handles=handles,
            loc="upper center",
            ncol=columns,
            fontsize=8,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0),
            borderaxespad=0.3,
            labelcolor=grey,
        )

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal, objectName="smoothingSlider")
        self.smoothing_slider.setAccessibleName(_("Smoothing"))
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(round(DEFAULT_SMOOTHING * 100))
        # A long status text beside it must not squeeze the slider to a stub.
        self.smoothing_slider.setMinimumWidth(80)
        self.smoothing_slider.setMaximumWidth(160)
        self.smoothing_label = QLabel(objectName="smoothingLabel")
        self.smoothing_slider.valueChanged.connect(self._on_smoothing)
        self.log_check = QCheckBox(_("Log loss"), objectName="logScaleCheck", checked=True)
        self.log_check.setAccessibleName(_("Logarithmic loss axis"))
        self.log_check.toggled.connect(self._on_log_scale)
        self.raw_check = QCheckBox(_("Raw"), objectName="rawCurvesCheck", checked=True)
        self.raw_check.setAccessibleName(_("Show raw batch curves"))
        self.raw_check.toggled.connect(lambda _: self.refresh(full=True))
        self.png_button = QPushButton(_("PNG…"), objectName="exportPngButton")
        self.png_button.setAccessibleName(_("Export chart as PNG"))
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button = QPushButton(_("CSV…"), objectName="exportCsvButton")
        self.csv_button.setAccessibleName(_("Export chart data as CSV"))
        self.csv_button.clicked.connect(self._ask_csv)
        row.addWidget(QLabel(_("Smoothing")))
        row.addWidget(self.smoothing_slider)
        row.addWidget(self.smoothing_label)
        row.addSpacing(12)
        row.addWidget(self.log_check)
        row.addWidget(self.raw_check)
        self.empty_label = QLabel(
            _("No data yet: press Train, or select runs in the run browser"),
            objectName="chartEmptyLabel",
        )
        self.empty_label.setStyleSheet("color: #777777;")
        # On a line of its own under the controls, wrapping: squeezed between them it read
        # "No data ye" at 1024 px, and a longer language made the charts wider than the window.
        self.empty_label.setWordWrap(True)
        row.addStretch(1)
        row.addWidget(self.png_button)
        row.addWidget(self.csv_button)
        self._on_smoothing(self.smoothing_slider.value())
        return row

    # -- runs -----------------------------------------------------------------------------------

    @property
    def smoothing(self) -> float:
        return self.smoothing_slider.value() / 100.0

    def set_planned(self, epochs: int, learning_rate: float | None = None) -> None:
        """The next run's extent (the training view's form), so its axes are drawn in advance."""
        if (epochs, learning_rate) != (self.planned_epochs, self.planned_learning_rate):
            self.planned_epochs, self.planned_learning_rate = max(1, epochs), learning_rate
            self.refresh()

    def series(self) -> list[RunSeries]:
        return [entry.series for entry in self._runs.values()]

    def colour_of(self, run_id: str) -> str | None:
        entry = self._runs.get(run_id)
        return entry.colour if entry is not None else None

    def add_series(self, series: RunSeries) -> str:
        """Show a run (replacing one with the same id); returns its colour."""
        old = self._runs.pop(series.run_id, None)
        if old is not None:
            self._remove_lines(old)
        taken = [entry.colour for entry in self._runs.values()]
        colour = old.colour if old is not None else run_colour(series.run_id, taken)
        entry = _SeriesArtists(series, colour)
        self._make_lines(entry)
        self._runs[series.run_id] = entry
        self.refresh()  # a full draw only if the limits or the run legend change
        return colour

    def remove_series(self, run_id: str) -> None:
        entry = self._runs.pop(run_id, None)
        if entry is not None:
            self._remove_lines(entry)
            self.refresh()

    def clear(self) -> None:
        for entry in self._runs.values():
            self._remove_lines(entry)
        self._runs.clear()
        self.refresh()

    def _make_lines(self, entry: _SeriesArtists) -> None:
        colour, lines = entry.colour, entry.lines
        for key, axes in (("loss", self.loss_axes), ("accuracy", self.accuracy_axes)):
            lines[f"{key}_raw"] = axes.plot([], [], color=colour, lw=0.8, alpha=0.25)[0]
            lines[f"{key}_smooth"] = axes.plot([], [], color=colour, lw=1.6)[0]
            lines[f"{key}_epoch"] = axes.plot([], [], color=colour, ls="none", marker="s", ms=3.5)[
                0
            ]
            lines[f"val_{key}"] = axes.plot(
                [], [], color=colour, ls="--", marker="o", ms=3.5, lw=1.2
            )[0]
            lines[f"{key}_best"] = axes.plot(
                [], [], color=colour, ls="none", marker="*", ms=13, mec="black", mew=0.6
            )[0]
        lines["learning_rate"] = self.rate_axes.plot(
            [], [], color=colour, lw=1.4, marker=".", ms=4
        )[0]
        for line in lines.values():
            line.set_animated(True)  # drawn by blitting, left out of the saved background

    @staticmethod
    def _remove_lines(entry: _SeriesArtists) -> None:
        for line in entry.lines.values():
            line.remove()
        entry.lines.clear()

    # -- redrawing ------------------------------------------------------------------------------

    def refresh(self, *, full: bool = False) -> None:
        """Data or options changed: redraw at the next tick of the bounded-rate timer."""
        if self.empty_label.isVisible() == bool(self._runs):
            self.empty_label.setVisible(not self._runs)
        self._dirty = True
        self._needs_full = self._needs_full or full
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer(self) -> None:
        if not self._dirty:
            self._timer.stop()  # idle: no timer runs while nothing changes
            return
        if not self.isVisible():
            return  # stays dirty; drawn when shown
        self._dirty = False
        self.redraw_now()

    def redraw_now(self) -> None:
        """Bring the lines up to date, then blit them or, when limits moved, draw everything."""
        begin = time.perf_counter()
        weight = self.smoothing
        for entry in self._runs.values():
            if entry.drawn_version != entry.series.version or entry.drawn_weight != weight:
                self._update_lines(entry, weight)
        limits = self._wanted_limits()
        if (
            self._needs_full
            or self._background is None
            or limits != self._limits
            or self._legend_key() != self._drawn_legend
        ):
            self._full_draw(limits)
            self.full_draw_seconds.append(time.perf_counter() - begin)
        else:
            self._blit()
        self.redraw_seconds.append(time.perf_counter() - begin)
        self.redrawn.emit()

    def _update_lines(self, entry: _SeriesArtists, weight: float) -> None:
        series, lines = entry.series, entry.lines
        raw_visible = self.raw_check.isChecked()
        for key, values in (("loss", series.batch_loss), ("accuracy", series.batch_accuracy)):
            smoothed = entry.smoothers[key].smooth(values, weight)
            lines[f"{key}_raw"].set_data(*decimate(series.batch_x, values))
            lines[f"{key}_raw"].set_visible(raw_visible)
            lines[f"{key}_smooth"].set_data(*decimate(series.batch_x, smoothed))
            lines[f"{key}_epoch"].set_data(series.epoch_x, series.metric(key))
            lines[f"val_{key}"].set_data(series.epoch_x, series.metric(f"val_{key}"))
            best = series.best_epoch
            point = ([best], [series.metric_at(f"val_{key}", best)]) if best else ([], [])
            lines[f"{key}_best"].set_data(*point)
        lines["learning_rate"].set_data(series.epoch_x, series.learning_rate)
        entry.drawn_version, entry.drawn_weight = series.version, weight

    def _wanted_limits(self) -> dict[str, tuple[float, float]]:
        """Limits that contain every drawn point; during a run they only ever grow.

        They start wide enough for a classifier's whole run (cross-entropy from ln(classes)
        down to 0.01, accuracy 0-1, the learning rate up to its starting value), so a live run
        seldom needs a full draw after its first one."""
        log = self.log_check.isChecked()
        base = {"loss": (0.01, 10.0) if log else (0.0, 3.0), "accuracy": (0.0, 1.02)}
        hints = [e.series.learning_rate_hint or 0.0 for e in self._runs.values()]
        hints.append(self.planned_learning_rate or 0.0)
        if max(hints, default=0.0) > 0:
            base["rate"] = (0.0, 1.1 * max(hints))
        old = base if self._needs_full else {**base, **self._limits}
        epochs = max(
            (entry.series.planned_epochs for entry in self._runs.values()),
            default=self.planned_epochs,
        )
        # A little room on the right, so the last epoch's markers are not cut by the frame.
        limits = {"x": (0.0, max(1, epochs) * 1.02), **base}
        for key in ("loss", "accuracy"):
            values = self._finite(key, positive=log and key == "loss")
            if values:
                limits[key] = grow_limits(
                    old.get(key),
                    min(values),
                    max(values),
                    log=log and key == "loss",
                    ceiling=1.0 if key == "accuracy" else None,
                )
        rates = [v for e in self._runs.values() for v in e.series.learning_rate if math.isfinite(v)]
        if rates:
            limits["rate"] = grow_limits(old.get("rate"), 0.0, max(rates), log=False, ceiling=None)
        return limits

    def _finite(self, key: str, *, positive: bool) -> list[float]:
        """The extremes of every shown run's `key` values (batch, epoch and validation)."""
        values: list[float] = []
        for entry in self._runs.values():
            span = entry.series.value_range(key, positive=positive)
            if span is not None:
                values.extend(span)
        return values

    def _full_draw(self, limits: dict[str, tuple[float, float]]) -> None:
        self._limits = limits
        self.loss_axes.set_xlim(*limits["x"])
        for axes, key in (
            (self.loss_axes, "loss"),
            (self.accuracy_axes, "accuracy"),
            (self.rate_axes, "rate"),
        ):
            if key in limits:
                axes.set_ylim(*limits[key])
        self._update_run_legend()
        self._needs_full = False
        self.canvas.draw()  # the draw event saves the background and adds the lines

    def _on_draw(self, _event) -> None:
        # Any full draw (ours, a resize, a change of screen): keep the background, add the lines.
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_lines()

    def _draw_lines(self) -> None:
        for entry in self._runs.values():
            for line in entry.lines.values():
                if line.get_visible():
                    line.axes.draw_artist(line)

    def _blit(self) -> None:
        self.canvas.restore_region(self._background)
        self._draw_lines()
        self.canvas.blit(self.figure.bbox)

    def _legend_key(self) -> tuple[tuple[str, str], ...]:
        """What the saved background shows of the runs: a legend, when there are several."""
        if len(self._runs) < 2:
            return ()
        return tuple((e.series.label, e.colour) for e in self._runs.values())

    def _update_run_legend(self) -> None:
        self._drawn_legend = self._legend_key()
        old = getattr(self, "_run_legend", None)
        if old is not None:
            old.remove()
            self._run_legend = None
        if len(self._runs) > 1:
            handles = [
                Line2D([], [], color=e.colour, lw=2, label=e.series.label)
                for e in self._runs.values()
            ]
            self._run_legend = self.accuracy_axes.legend(
                handles=handles, fontsize=7, loc="lower right"
            )

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # -- options --------------------------------------------------------------------------------

    def _on_smoothing(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        self.refresh()

    def _on_log_scale(self, checked: bool) -> None:
        self._set_loss_scale(log=checked)
        self.refresh(full=True)

    def _set_loss_scale(self, *, log: bool) -> None:
        axis = self.loss_axes.yaxis
        self.loss_axes.set_yscale("log" if log else "linear")
        if log:  # ticks at 1-2-5 read "0.2, 0.5, 1, 2", not "2 x 10^-1"; no minor labels
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            axis.set_minor_formatter(NullFormatter())

    # -- exports --------------------------------------------------------------------------------

    def save_png(self, path: str | Path, dpi: int = 150) -> Path:
        """Write the chart as a PNG (animated lines included, which savefig leaves out)."""
        self.redraw_now()
        lines = [line for entry in self._runs.values() for line in entry.lines.values()]
        for line in lines:
            line.set_animated(False)
        try:
            self.figure.savefig(path, dpi=dpi, format="png")
        finally:
            for line in lines:
                line.set_animated(True)
            self.refresh(full=True)
        return Path(path)

    def save_csv(self, path: str | Path) -> Path:
        """Every point of every shown run (not the decimated copy)."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_HEADER)
            for series in self.series():
                writer.writerows(series.csv_rows())
        return Path(path)

    def _ask_png(self) -> None:
        name, _chosen_filter = QFileDialog.getSaveFileName(
            self, _("Export chart"), _("training.png"), _("PNG images (*.png)")
        )
        if name:
            self.save_png(name)

    def _ask_csv(self) -> None:
        name, _chosen_filter = QFileDialog.getSaveFileName(
            self, _("Export chart data"), _("training.csv"), _("CSV files (*.csv)")
        )
        if name:
            self.save_csv(name)
