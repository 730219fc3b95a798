"""The `cnnstudio` command. With no sub-command it opens the desktop app; the sub-commands run the
same engine headless.

Heavy imports (TensorFlow, Keras, the model zoo) happen inside the handlers, so `--help` and
`--version` answer at once. A handler signals bad input by raising `UsageError` (or `ValueError`
from the engine): the user sees one line on stderr and the exit status is 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from cnnstudio import __version__

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (plus where to get help), not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _display_available() -> bool:
    if sys.platform != "linux":
        return True
    return any(os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def _open_app(args: argparse.Namespace) -> int:
    if not _display_available():
        print(
            "cnnstudio: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
            "  On a machine without a screen, run it under a virtual one:  xvfb-run cnnstudio\n"
            "  or render offscreen:  QT_QPA_PLATFORM=offscreen cnnstudio --screenshot app.png\n"
            "  The headless commands work anywhere:  cnnstudio --help",
            file=sys.stderr,
        )
        return 1
    from cnnstudio.gui.app import run_app

    return run_app(screenshot=args.screenshot, view=args.view)


# --- models / summary: the model zoo and its layer statistics ------------------------------------

# Long Keras class names, shortened so a summary fits a 100-column terminal.
_SHORT_TYPES = {
    "BatchNormalization": "BatchNorm",
    "GroupNormalization": "GroupNorm",
    "LayerNormalization": "LayerNorm",
    "GlobalAveragePooling2D": "GlobalAvgPool2D",
    "GlobalMaxPooling2D": "GlobalMaxPool2D",
    "AveragePooling2D": "AvgPool2D",
    "MaxPooling2D": "MaxPool2D",
    "ZeroPadding2D": "ZeroPad2D",
    "DepthwiseConv2D": "DWConv2D",
    "SeparableConv2D": "SepConv2D",
}


def _add_model_commands(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser(
        "models",
        help="list every model with family, year, parameters, MACs",
        description="List every model of the zoo with its parameters and MACs "
        "(multiply-accumulates for one image; FLOPs = 2 x MACs) at its canonical input.",
    )
    models.add_argument("--family", help="only this family (e.g. ResNet)")
    models.add_argument("--json", action="store_true", help="print JSON instead of a table")
    models.set_defaults(handler=_cmd_models)

    summary = sub.add_parser(
        "summary",
        help="per-layer table of a model: shapes, parameters with formulas, MACs",
        description="Build a model and show every layer: type, output shape, MACs and the "
        "formula behind its parameters, grouped by block, with totals.",
    )
    summary.add_argument("model", metavar="NAME", help="a model name (see `cnnstudio models`)")
    summary.add_argument(
        "--input",
        metavar="HxWxC",
        help="input shape, e.g. 32x32x1 (default: the model's canonical input)",
    )
    summary.add_argument(
        "--classes",
        type=int,
        metavar="N",
        help="number of classes (default: the model's, usually 1000)",
    )
    summary.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a model option, e.g. activation=tanh (repeatable)",
    )
    summary.add_argument("--json", action="store_true", help="print JSON instead of a table")
    summary.set_defaults(handler=_cmd_summary)


def _format_table(rows: list[list[str]], right_aligned: set[int], width: int = 100) -> list[str]:
    """Plain-text columns, the first row a header, underlined. Columns are two spaces apart, or
    one where that keeps the table within `width` characters."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    gap = "  " if sum(widths) + 2 * (len(widths) - 1) <= width else " "
    rule = ["-" * w for w in widths]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(w) if i in right_aligned else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return gap.join(cells).rstrip()

    return [line(rows[0]), line(rule), *(line(row) for row in rows[1:])]


def _cmd_models(args: argparse.Namespace) -> int:
    from cnnstudio.engine.catalog import catalog_entries
    from cnnstudio.engine.layer_stats import format_count, format_int
    from cnnstudio.models import format_shape, list_models

    family = getattr(args, "family", None)
    infos = list_models(family)
    if not infos:
        families = ", ".join(dict.fromkeys(info.family for info in list_models()))
        raise UsageError(f"no family {family!r}; the families are: {families}")

    def computing(name: str) -> None:
        print(f"computing {name} (not in the shipped catalog) ...", file=sys.stderr, flush=True)

    entries = catalog_entries([info.name for info in infos], on_compute=computing)
    if getattr(args, "json", False):
        import json

        print(
            json.dumps(
                [
                    {
                        "name": info.name,
                        "display_name": info.display_name,
                        "family": info.family,
                        "year": info.year,
                        **entry.to_dict(),
                        "flops": entry.flops,
                    }
                    for info, entry in zip(infos, entries, strict=True)
                ],
                indent=1,
            )
        )
        return 0
    rows = [["Name", "Model", "Family", "Year", "Input", "Params", "Exact", "MACs"]]
    for info, entry in zip(infos, entries, strict=True):
        rows.append(
            [
                info.name,
                info.display_name,
                info.family,
                str(info.year),
                format_shape(entry.input_shape),
                format_count(entry.params),
                format_int(entry.params),
                format_count(entry.macs),
            ]
        )
    print("\n".join(_format_table(rows, right_aligned={5, 6, 7})))
    print(
        "\nFigures at each model's canonical input and default classes. MACs: "
        "multiply-accumulates for one\nimage (FLOPs = 2 x MACs). Layer by layer: "
        "cnnstudio summary NAME"
    )
    return 0


def _parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"options look like key=value; received {pair!r}")
        options[key.strip()] = value
    return options


def _cmd_summary(args: argparse.Namespace) -> int:
    from cnnstudio.engine.layer_stats import compute_model_stats, format_count, format_int
    from cnnstudio.models import create_model, format_shape, get_model_info

    info = get_model_info(args.model)
    options = _parse_options(args.option)
    model = create_model(info.name, args.input, args.classes, **options)
    stats = compute_model_stats(model)
    if args.json:
        import json

        print(json.dumps(stats.to_dict(), indent=1))
        return 0

    def shape_text(shapes: tuple) -> str:
        return ", ".join(format_shape(shape[1:]) for shape in shapes)

    import textwrap

    resolved = info.resolve_options(options)
    settings = ", ".join(f"{key}={value}" for key, value in resolved.items()) or "none"
    print(
        f"{info.display_name} ({info.name}): input {shape_text(stats.input_shapes)}, "
        f"output {shape_text(stats.output_shapes)}"
    )
    print(textwrap.fill(f"options: {settings}", width=100, subsequent_indent="  ") + "\n")
    rows = [["Layer", "Type", "Output", "MACs", "Parameters"]]
    for block in stats.blocks():
        # A block of several layers gets a header row with its totals; its layers are indented.
        grouped = bool(block.name) and len(block.layers) > 1
        if grouped:
            rows.append(
                [
                    f"[{block.name}]",
                    "",
                    "",
                    format_count(block.macs) if block.macs else "",
                    format_int(block.params) if block.params else "",
                ]
            )
        for name in block.layers:
            layer = stats.layer(name)
            rows.append(
                [
                    f"  {name}" if grouped else name,
                    _SHORT_TYPES.get(layer.type, layer.type),
                    shape_text(layer.output_shapes),
                    format_count(layer.macs) if layer.macs else "",
                    layer.formula,
                ]
            )
    print("\n".join(_format_table(rows, right_aligned={3})))
    print(
        f"\nParameters: {format_int(stats.params)} ({format_count(stats.params)}): "
        f"{format_int(stats.trainable_params)} trainable, "
        f"{format_int(stats.non_trainable_params)} non-trainable"
    )
    print(
        f"MACs per image: {format_int(stats.macs)} ({format_count(stats.macs)}); "
        f"FLOPs = 2 x MACs = {format_count(stats.flops)}"
    )
    return 0


# --- train / datasets / runs: the training engine ----------------------------------------------


def _add_training_commands(sub: argparse._SubParsersAction) -> None:
    from cnnstudio.engine.config import OPTIMIZERS, SCHEDULES, TrainingConfig

    defaults = TrainingConfig()
    train = sub.add_parser(
        "train",
        help="train a model on a data set, headless, with a progress line",
        description="Train a model of the zoo on a data set. Every run is kept in its own "
        "folder (settings, full history, final model); Ctrl-C stops after the current batch "
        "and keeps what was done.",
    )
    train.add_argument(
        "--config",
        metavar="FILE",
        help="start from a JSON training config (a run's config works); "
        "the flags below override it",
    )
    train.add_argument("--model", help=f"model name (default: {defaults.model})")
    train.add_argument(
        "--data",
        dest="dataset",
        metavar="NAME",
        help=f"data set name or image folder (default: {defaults.dataset}); "
        "see `cnnstudio datasets`",
    )
    train.add_argument("--epochs", type=int, help=f"default: {defaults.epochs}")
    train.add_argument(
        "--batch-size", type=int, metavar="N", help=f"default: {defaults.batch_size}"
    )
    train.add_argument("--optimizer", choices=OPTIMIZERS, help=f"default: {defaults.optimizer}")
    train.add_argument(
        "--lr",
        dest="learning_rate",
        type=float,
        metavar="RATE",
        help=f"learning rate (default: {defaults.learning_rate:g})",
    )
    train.add_argument("--momentum", type=float, help=f"sgd/rmsprop (default: {defaults.momentum})")
    train.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help=f"learning-rate schedule (default: {defaults.schedule})",
    )
    train.add_argument("--weight-decay", type=float, metavar="W", help="default: 0")
    train.add_argument("--label-smoothing", type=float, metavar="S", help="default: 0")
    train.add_argument(
        "--early-stopping",
        type=int,
        metavar="PATIENCE",
        help="stop when val_loss has not improved for PATIENCE epochs (default: off)",
    )
    train.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a model option, e.g. activation=relu (repeatable)",
    )
    train.add_argument("--seed", type=int, help=f"default: {defaults.seed}")
    train.add_argument("--device", help="auto, cpu, gpu:0, ... (default: auto, a GPU if any)")
    train.add_argument(
        "--validation-fraction", type=float, metavar="F", help="image folders only (default: 0.2)"
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="random shifts, rotations, zooms (and flips where they make sense)",
    )
    train.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="scale inputs to zero mean and unit variance per channel, with the "
        "training images' statistics (default: on)",
    )
    train.add_argument(
        "--limit-batches",
        type=int,
        metavar="N",
        help="at most N batches per epoch, for quick trials",
    )
    train.add_argument(
        "--steps-per-execution",
        type=int,
        metavar="N",
        help="batches per call into TensorFlow (default: chosen automatically)",
    )
    train.set_defaults(handler=_cmd_train)

    datasets = sub.add_parser("datasets", help="list the data sets and whether they work offline")
    datasets.set_defaults(handler=_cmd_datasets)

    _add_run_commands(sub)


def _add_run_commands(sub: argparse._SubParsersAction) -> None:
    resume = sub.add_parser(
        "resume",
        help="continue a stopped, failed or interrupted run from its last checkpoint",
        description="Continue a run in its own folder from its newest good checkpoint: epochs "
        "number on, the optimizer state and learning-rate schedule continue, the history goes "
        "on without gaps. A finished run continues with a larger --epochs.",
    )
    resume.add_argument("run", metavar="RUN", help="run id (or its start, or its folder)")
    resume.add_argument(
        "--epochs", type=int, metavar="N", help="total epochs to reach (default: the run's own)"
    )
    resume.set_defaults(handler=_cmd_resume)

    export = sub.add_parser(
        "export",
        help="export a run's model (savedmodel, keras, tflite, onnx), checked",
        description="Export a run's model, load the export back the way its users would, and "
        "compare its outputs with the trained model on real images of the run's data set. "
        "The folder gets metadata.json and README.md (input shape, preprocessing, classes).",
    )
    export.add_argument("run", metavar="RUN", help="run id (or its start, or its folder)")
    export.add_argument(
        "--format", required=True, dest="fmt", choices=("savedmodel", "keras", "tflite", "onnx")
    )
    export.add_argument("--out", metavar="PATH", help="export folder (default: RUN/exports/FORMAT)")
    export.set_defaults(handler=_cmd_export)

    predict = sub.add_parser(
        "predict",
        help="classify image files with a trained model",
        description="Print the most likely classes of each image, preprocessed as the model's "
        "training images were (grayscale or RGB, size, padding, scaling).",
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument(
        "--model",
        metavar="RUN|MODEL_FILE",
        help="a run id or folder, or a .keras file (default: the newest finished run)",
    )
    predict.add_argument(
        "--top", type=int, default=3, metavar="K", help="classes shown per image (default: 3)"
    )
    predict.set_defaults(handler=_cmd_predict)

    runs = sub.add_parser(
        "runs",
        help="list, rename, tag or delete the training runs kept on disk",
        description="Without an action, list the runs with their status (running, finished, "
        "stopped, failed with the reason, interrupted), size and tags.",
    )
    runs.set_defaults(handler=_cmd_runs, runs_action=None)
    actions = runs.add_subparsers(dest="runs_action", metavar="ACTION", parser_class=_Parser)
    rename = actions.add_parser("rename", help="give a run a display name")
    rename.add_argument("run", metavar="RUN")
    rename.add_argument("name", metavar="NAME", help='the new name ("" to clear it)')
    tag = actions.add_parser("tag", help="add (or --remove) tags of a run")
    tag.add_argument("run", metavar="RUN")
    tag.add_argument("tags", nargs="+", metavar="TAG")
    tag.add_argument("--remove", action="store_true", help="remove these tags instead")
    delete = actions.add_parser("delete", help="delete runs and their folders")
    delete.add_argument("runs", nargs="+", metavar="RUN")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask first")


# Flags that map one-to-one onto TrainingConfig fields.
_TRAIN_FLAGS = (
    "model",
    "dataset",
    "epochs",
    "batch_size",
    "optimizer",
    "learning_rate",
    "momentum",
    "schedule",
    "weight_decay",
    "label_smoothing",
    "early_stopping",
    "seed",
    "device",
    "validation_fraction",
    "augment",
    "standardize",
    "limit_batches",
    "steps_per_execution",
)


def _training_config(args: argparse.Namespace):
    import json
    from pathlib import Path

    from cnnstudio.engine.config import TrainingConfig

    config = TrainingConfig()
    if args.config:
        try:
            text = Path(args.config).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot read --config {args.config!r}: {error.strerror}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"--config {args.config!r} is not valid JSON: {error}") from None
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            data = data["config"]  # a run.json holds its config under "config"
        config = TrainingConfig.from_dict(data)
    changes = {
        flag: getattr(args, flag) for flag in _TRAIN_FLAGS if getattr(args, flag) is not None
    }
    if args.option:
        options = dict(config.model_options) if "model" not in changes else {}
        options.update(_parse_options(args.option))
        changes["model_options"] = options
    elif "model" in changes and changes["model"] != config.model:
        changes["model_options"] = {}  # another model's options would not apply
    return config.replace(**changes).validate()


def _format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class _ConsoleProgress:
    """Shows a run on the console: one redrawn line on a terminal, plain lines otherwise.

    On a terminal the batch line is redrawn with a carriage return at most `REDRAWS_PER_SECOND`
    times a second (throttle at the edge); piped or redirected, only whole lines are written (one
    per epoch), so logs hold no control characters.
    """

    REDRAWS_PER_SECOND = 10

    def __init__(self, stream, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.last_draw = 0.0
        self.line_width = 0
        self.epochs = 0
        self.epoch_seconds: list[float] = []
        self.epoch_started = 0.0

    def on_event(self, event) -> None:
        from cnnstudio.engine import events

        if isinstance(event, events.RunStarted):
            self._started(event)
        elif isinstance(event, events.BatchEnd):
            self._batch(event)
        elif isinstance(event, events.EpochEnd):
            self._epoch(event)

    def note(self, text: str) -> None:
        self.clear_line()
        print(text, file=self.stream, flush=True)

    def _started(self, event) -> None:
        import time

        self.epochs = event.epochs
        self.epoch_started = time.perf_counter()
        print(
            f"Training {event.model_display_name} ({event.params:,} parameters) on "
            f"{event.dataset}: {event.train_size:,} training / {event.validation_size:,} "
            f"validation images at {'x'.join(map(str, event.input_shape))}, {event.device}, "
            f"batch {event.batch_size}, {event.epochs} epochs",
            file=self.stream,
        )
        print(f"Run folder: {event.run_dir}", file=self.stream, flush=True)
        if event.initial_epoch:
            print(
                f"Resuming after epoch {event.initial_epoch} (its checkpoint)",
                file=self.stream,
                flush=True,
            )

    def _batch(self, event) -> None:
        import time

        if not self.interactive:
            return
        now = time.perf_counter()
        last_of_epoch = event.batch >= event.steps_per_epoch
        if now - self.last_draw < 1.0 / self.REDRAWS_PER_SECOND and not last_of_epoch:
            return
        self.last_draw = now
        done = event.batch / event.steps_per_epoch
        if self.epoch_seconds:
            per_epoch = sum(self.epoch_seconds) / len(self.epoch_seconds)
        else:
            per_epoch = (now - self.epoch_started) / max(done, 1e-9)
        eta = per_epoch * (self.epochs - event.epoch + 1 - done)
        line = (
            f"epoch {event.epoch}/{self.epochs}  batch {event.batch}/{event.steps_per_epoch}  "
            f"loss {event.loss:.4f}  accuracy {event.accuracy:.2%}  "
            f"{event.images_per_second:,.0f} img/s  ETA {_format_duration(eta)}"
        )
        padding = " " * max(0, self.line_width - len(line))
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self.line_width = len(line)

    def _epoch(self, event) -> None:
        import time

        self.epoch_seconds.append(event.epoch_seconds)
        self.epoch_started = time.perf_counter()
        metrics = event.metrics
        parts = [
            f"epoch {event.epoch}/{event.epochs}",
            f"loss {metrics.get('loss', float('nan')):.4f}",
            f"accuracy {metrics.get('accuracy', float('nan')):.2%}",
        ]
        if "val_loss" in metrics:
            parts += [
                f"val_loss {metrics['val_loss']:.4f}",
                f"val_accuracy {metrics.get('val_accuracy', float('nan')):.2%}",
            ]
        parts += [
            f"lr {event.learning_rate:.2g}",
            f"{event.epoch_seconds:.1f} s",
            f"{event.images_per_second:,.0f} img/s",
            f"ETA {_format_duration(event.eta_seconds)}",
        ]
        self.note("  ".join(parts) + ("  *" if event.is_best else ""))

    def clear_line(self) -> None:
        if self.interactive and self.line_width:
            self.stream.write("\r" + " " * self.line_width + "\r")
            self.line_width = 0


def _stop_on_interrupt(session, progress: _ConsoleProgress):
    """While training: the first Ctrl-C stops after the current batch, a second one at once."""
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def handling():
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            if session.stop_requested:
                raise KeyboardInterrupt
            session.stop()
            progress.note("Stopping after the current batch (Ctrl-C again to stop at once) ...")

        previous = signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    return handling()


def _cmd_train(args: argparse.Namespace) -> int:
    config = _training_config(args)  # ValueError: one line, exit 2

    from cnnstudio.engine.session import TrainingSession

    progress = _ConsoleProgress(sys.stdout, interactive=sys.stdout.isatty())
    session = TrainingSession(config, progress)
    return _run_session(session, progress)


def _run_session(session, progress: _ConsoleProgress) -> int:
    """Train (or resume) with console progress and Ctrl-C handling; print the outcome."""
    with _stop_on_interrupt(session, progress):
        result = session.run()
    progress.clear_line()
    best = result.best
    summary = (
        f"{result.status.capitalize()} after {result.epochs_completed} epochs in "
        f"{_format_duration(result.elapsed_seconds)}"
    )
    if result.early_stopped:
        summary += " (early stopping)"
    if best.get("val_accuracy") is not None:
        summary += f"; best validation accuracy {best['val_accuracy']:.2%} at epoch {best['epoch']}"
    print(summary + ".")
    if result.reason:
        print(f"Reason: {result.reason}")
    if result.run_dir:
        print(f"Run folder: {result.run_dir}")
    return {"finished": 0, "stopped": 130}.get(result.status, 1)


def _cmd_datasets(args: argparse.Namespace) -> int:
    from cnnstudio.engine.datasets import list_datasets
    from cnnstudio.models import format_shape

    rows = [["Name", "Title", "Shape", "Classes", "Train", "Validation", "Offline"]]
    for info in list_datasets():
        rows.append(
            [
                info.name,
                info.title,
                format_shape(info.image_shape),
                str(info.num_classes),
                f"{info.train_size:,}",
                f"{info.validation_size:,}",
                "yes" if info.is_available_offline() else "no (downloads once)",
            ]
        )
    print("\n".join(_format_table(rows, right_aligned={3, 4, 5})))
    print("An image folder with one sub-folder per class also works: --data path/to/folder")
    return 0


def _format_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def _status_text(status: str, reason: str | None, width: int = 48) -> str:
    shown = ("failed", "stopped", "unsupported")
    text = f"{status}: {reason}" if reason and status in shown else status
    return text if len(text) <= width else text[: width - 3] + "..."


def _cmd_runs(args: argparse.Namespace) -> int:
    from cnnstudio.engine.runs import RunStore

    store = RunStore()
    action = getattr(args, "runs_action", None)
    if action == "rename":
        run = store.find(args.run)
        run.rename(args.name)
        print(f"{run.id}: name {run.reload().get('name') or '(none: the id)'}")
        return 0
    if action == "tag":
        run = store.find(args.run)
        tags = run.tags
        if args.remove:
            tags = [tag for tag in tags if tag not in args.tags]
        else:
            tags += [tag.strip() for tag in args.tags]
        run.set_tags(tags)
        print(f"{run.id}: tags {' '.join(run.reload().get('tags') or []) or '(none)'}")
        return 0
    if action == "delete":
        return _delete_runs(store, args.runs, args.yes)

    summaries = store.summaries()
    if not summaries:
        print(f"No runs yet in {store.root}. Start one with: cnnstudio train")
        return 0
    rows = [["ID", "Status", "Model", "Data set", "Best val acc", "Epochs", "Size", "Started"]]
    named = any(run.name or run.tags for run in summaries)
    if named:
        rows[0].append("Name / tags")
    for run in summaries:
        accuracy = "" if run.best_val_accuracy is None else f"{run.best_val_accuracy:.2%}"
        row = [
            run.id,
            _status_text(run.status, run.reason),
            run.model,
            run.dataset,
            accuracy,
            str(run.epochs_completed),
            _format_size(run.size_bytes),
            run.started.replace("T", " ")[:19],
        ]
        if named:
            row.append(" ".join(filter(None, [run.name, *(f"#{tag}" for tag in run.tags)])))
        rows.append(row)
    print("\n".join(_format_table(rows, right_aligned={4, 5, 6})))
    print(f"Runs folder: {store.root}")
    if any(run.status == "interrupted" for run in summaries):
        print("Interrupted runs (their process is gone) continue with: cnnstudio resume RUN")
    return 0


def _delete_runs(store, names: list[str], yes: bool) -> int:
    runs = [store.find(name) for name in names]  # all found before anything is deleted
    training = [run.id for run in runs if run.is_alive()]
    if training:
        raise UsageError(f"run {training[0]!r} is still training; stop it before deleting it")
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("deleting asks for confirmation; pass --yes when not at a terminal")
        total = sum(run.disk_size() for run in runs)
        listing = ", ".join(run.id for run in runs)
        answer = input(f"Delete {listing} ({_format_size(total)})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    for run in runs:
        store.delete(run.id)
        print(f"Deleted {run.id}")
    return 0


def _cmd_resume(args: argparse.Namespace) -> int:
    from cnnstudio.engine.session import TrainingSession

    progress = _ConsoleProgress(sys.stdout, interactive=sys.stdout.isatty())
    session = TrainingSession.resume_run(args.run, progress, epochs=args.epochs)
    return _run_session(session, progress)


def _cmd_export(args: argparse.Namespace) -> int:
    from cnnstudio.engine.export import ExportError, export_run
    from cnnstudio.engine.modelfile import ModelFileError

    try:
        result = export_run(
            args.run,
            args.fmt,
            args.out,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
        )
    except (ExportError, ModelFileError) as error:
        print(f"cnnstudio export: error: {error}", file=sys.stderr)
        return 1
    if not result.ok:
        print(f"cnnstudio export: error: {result.message}", file=sys.stderr)
        return 1
    print(f"Exported {result.format}: {result.path}")
    print(
        f"Round trip: reloaded and compared on {result.metadata['check']['inputs']}; largest "
        f"difference {result.max_abs_diff:.3g} (tolerance {result.tolerance:g}): OK"
    )
    print(f"Details: {result.folder / 'metadata.json'}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError(f"--top must be at least 1; received {args.top}")
    from cnnstudio.engine.inference import load_predictor

    predictor = load_predictor(args.model)
    print(f"Model: {predictor.description}")
    failures = 0
    for prediction in predictor.predict_files(args.images, top=args.top):
        if prediction.error:
            failures += 1
            print(f"{prediction.path}: skipped ({prediction.error})")
            continue
        ranked = "  ".join(f"{name} {probability:.1%}" for name, probability in prediction.top)
        print(f"{prediction.path}: {ranked}")
    return 1 if failures == len(args.images) else 0


# -------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnnstudio",
        description="CNN Studio: learn, train and use the classic convolutional networks. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"cnnstudio {__version__}")
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        help="open the app, wait until it is ready, save a PNG of the window to "
        "FILE and exit (works offscreen: QT_QPA_PLATFORM=offscreen)",
    )
    parser.add_argument(
        "--view", metavar="NAME", help="the view to show first, e.g. models or data"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_model_commands(sub)
    _add_training_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", _open_app)
    try:
        return handler(args)
    except (UsageError, ValueError) as error:
        prog = f"cnnstudio {args.command}" if args.command else "cnnstudio"
        print(f"{prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cnnstudio: interrupted", file=sys.stderr)
        return 130
