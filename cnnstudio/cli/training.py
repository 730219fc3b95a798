"""`cnnstudio train`, `datasets` and `resume`: the training engine, headless, with console
progress and Ctrl-C handling."""

from __future__ import annotations

import argparse
import sys

from cnnstudio.cli.common import UsageError, expand_path, format_table, parse_options
from cnnstudio.cli.progress import ConsoleProgress
from cnnstudio.engine.formatting import format_duration, format_shape
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.i18n import _


def add_commands(sub: argparse._SubParsersAction) -> None:
    from cnnstudio.engine.devices.precision import MIXED_PRECISION_CHOICES, XLA_CHOICES
    from cnnstudio.engine.training.config import OPTIMIZERS, SCHEDULES, STRATEGIES, TrainingConfig

    defaults = TrainingConfig()
    train = sub.add_parser(
        "train",
        help=_("train a model on a data set, headless, with a progress line"),
        description=_(
            "Train a model of the zoo on a data set. Every run is kept in its own "
            "folder (settings, full history, final model); Ctrl-C stops after the "
            "current batch and keeps what was done."
        ),
    )
    train.add_argument(
        "--config",
        metavar="FILE",
        help=_(
            "start from a JSON training config (a run's config works); the flags below override it"
        ),
    )
    train.add_argument(
        "--model", help=_("model name (default: {model})").format(model=defaults.model)
    )
    train.add_argument(
        "--data",
        dest="dataset",
        metavar="NAME",
        help=_(
            "data set name or image folder (default: {dataset}); see `cnnstudio datasets`"
        ).format(dataset=defaults.dataset),
    )
    train.add_argument(
        "--epochs", type=int, help=_("default: {epochs}").format(epochs=defaults.epochs)
    )
    train.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help=_("default: {batch_size}").format(batch_size=defaults.batch_size),
    )
    train.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        help=_("default: {optimizer}").format(optimizer=defaults.optimizer),
    )
    train.add_argument(
        "--lr",
        dest="learning_rate",
        type=float,
        metavar="RATE",
        help=_("learning rate (default: {learning_rate:g})").format(
            learning_rate=defaults.learning_rate
        ),
    )
    train.add_argument(
        "--momentum",
        type=float,
        help=_("sgd/rmsprop (default: {momentum})").format(momentum=defaults.momentum),
    )
    train.add_argument(
        "--schedule",
        choices=SCHEDULES,
        help=_("learning-rate schedule (default: {schedule})").format(schedule=defaults.schedule),
    )
    train.add_argument("--weight-decay", type=float, metavar="W", help=_("default: 0"))
    train.add_argument("--label-smoothing", type=float, metavar="S", help=_("default: 0"))
    train.add_argument(
        "--early-stopping",
        type=int,
        metavar="PATIENCE",
        help=_("stop when val_loss has not improved for PATIENCE epochs (default: 0, never)"),
    )
    train.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_("a model option, e.g. activation=relu (repeatable)"),
    )
    train.add_argument("--seed", type=int, help=_("default: {seed}").format(seed=defaults.seed))
    train.add_argument(
        "--device",
        help=_(
            "auto, cpu, gpu:0, or several: gpu:0,gpu:1 (default: auto, a GPU if "
            "any); see `cnnstudio devices`"
        ),
    )
    train.add_argument(
        "--strategy",
        choices=STRATEGIES,
        help=_(
            "none: one device; mirrored: every GPU (or those --device names) of "
            "this machine; multi-worker: several machines from TF_CONFIG or Slurm "
            "(default: auto, mirrored when --device names several); --batch-size "
            "is per device"
        ),
    )
    train.add_argument(
        "--mixed-precision",
        choices=MIXED_PRECISION_CHOICES,
        help=_(
            "auto: float16 on GPUs of compute capability 7.0 or newer, else off (default: auto)"
        ),
    )
    train.add_argument(
        "--xla",
        choices=XLA_CHOICES,
        help=_(
            "XLA compilation; auto: on for GPUs of compute capability 7.0 or "
            "newer, off on the CPU (default: auto)"
        ),
    )
    train.add_argument(
        "--validation-fraction",
        type=float,
        metavar="F",
        help=_("image folders only (default: 0.2)"),
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_("random shifts, rotations, zooms (and flips where they make sense)"),
    )
    train.add_argument(
        "--augment-stroke",
        dest="stroke_augmentation",
        type=float,
        metavar="AMOUNT",
        help=_(
            "with --augment, also thicker and thinner strokes: up to AMOUNT (0-1) "
            "of a one-pixel dilation or erosion (default: 0, off; for digits drawn "
            "with other pens)"
        ),
    )
    train.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_(
            "scale inputs to zero mean and unit variance per channel, with the "
            "training images' statistics (default: on)"
        ),
    )
    train.add_argument(
        "--limit-batches",
        type=int,
        metavar="N",
        help=_("at most N batches per epoch, for quick trials (default: 0, no limit)"),
    )
    train.add_argument(
        "--steps-per-execution",
        type=int,
        metavar="N",
        help=_("batches per call into TensorFlow (default: 0, chosen automatically)"),
    )
    train.set_defaults(handler=_cmd_train)

    datasets = sub.add_parser(
        "datasets", help=_("list the data sets and whether they work offline")
    )
    datasets.set_defaults(handler=_cmd_datasets)

    resume = sub.add_parser(
        "resume",
        help=_("continue a stopped, failed or interrupted run from its last checkpoint"),
        description=_(
            "Continue a run in its own folder from its newest good checkpoint: "
            "epochs number on, the optimizer state and learning-rate schedule "
            "continue, the history goes on without gaps. A finished run continues "
            "with a larger --epochs. With another --epochs the learning rate goes "
            "on from where it is, never jumps: a cosine schedule decays from its "
            "current rate to 0 at the new last epoch (one that already reached 0 "
            "is refused: start a new run), a step schedule keeps the drops it made "
            "and makes the ones ahead at half and three quarters of the new total."
        ),
    )
    resume.add_argument("run", metavar="RUN", help=_("run id (or its start, or its folder)"))
    resume.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help=_(
            "total epochs to reach (default: the run's own); the learning-rate "
            "schedule continues from the rate it has reached"
        ),
    )
    resume.add_argument(
        "--force",
        action="store_true",
        help=_(
            "resume a run recorded as training whose process is known to be gone "
            "(a trainer on another host, or under an old hostname); warns first"
        ),
    )
    resume.set_defaults(handler=_cmd_resume)


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
    "strategy",
    "mixed_precision",
    "xla",
    "validation_fraction",
    "augment",
    "stroke_augmentation",
    "standardize",
    "limit_batches",
    "steps_per_execution",
)


def _training_config(args: argparse.Namespace):
    import json

    from cnnstudio.engine.training.config import TrainingConfig

    config = TrainingConfig()
    if args.config:
        path = expand_path(args.config, "--config")
        if path.is_dir():
            raise UsageError(_("--config {path}: a folder, not a JSON file").format(path=path))
        try:
            raw = path.read_bytes()[: 10 * 1024 * 1024 + 1]
        except OSError as error:
            raise UsageError(
                _("cannot read --config {path}: {reason}").format(
                    path=path, reason=error.strerror or error
                )
            ) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise UsageError(
                _(
                    "--config {path} is not a JSON config file (a run's run.json or a file "
                    "written like it)"
                ).format(path=path)
            ) from None
        if isinstance(data, dict) and isinstance(data.get("config"), dict):
            data = data["config"]  # a run.json holds its config under "config"
        config = TrainingConfig.from_dict(data)
    changes = {
        flag: getattr(args, flag) for flag in _TRAIN_FLAGS if getattr(args, flag) is not None
    }
    if args.option:
        options = dict(config.model_options) if "model" not in changes else {}
        options.update(parse_options(args.option))
        changes["model_options"] = options
    elif "model" in changes and changes["model"] != config.model:
        changes["model_options"] = {}  # another model's options would not apply
    return config.replace(**changes).validate()


# Signals that end a training the way Ctrl-C does: stop after the current batch, save the model,
# mark the run `stopped`, exit. SIGTERM is what `timeout`, systemd and Slurm send; SIGHUP comes
# when the terminal closes. A second one stops at once (the last checkpoint is kept).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _stop_on_interrupt(session, progress: ConsoleProgress, received: list[int]):
    """While training: the first stop signal stops after the current batch, a second at once;
    each signal's number is appended to `received`."""
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def handling():
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            received.append(signum)
            if session.stop_requested:
                raise KeyboardInterrupt
            session.stop()
            if signum == signal.SIGINT:
                progress.note(
                    _("Stopping after the current batch (Ctrl-C again to stop at once) ...")
                )
            else:
                progress.note(
                    _("{signal} received: stopping after the current batch ...").format(
                        signal=signal.Signals(signum).name
                    )
                )

        numbers = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
        previous = {number: signal.signal(number, handler) for number in numbers}
        try:
            yield
        finally:
            for number, handler_before in previous.items():
                signal.signal(number, handler_before)

    return handling()


def _cmd_train(args: argparse.Namespace) -> int:
    from cnnstudio.engine.training.launch import new_session

    config = _training_config(args)  # ValueError: one line, exit 2
    progress = ConsoleProgress(sys.stdout, interactive=sys.stdout.isatty())
    # A missing device or a bad image folder: ValueError (one line, exit 2), no run on disk.
    session = new_session(config, progress, notes=_print_note)
    return _run_session(session, progress)


def _print_note(note) -> None:
    """A launch note: the device on stdout, a data set's warnings on stderr."""
    from cnnstudio.engine.training.launch import DATA_NOTE

    if note.code == DATA_NOTE:
        print(_("cnnstudio train: warning: {note}").format(note=note.text), file=sys.stderr)
    else:
        print(_("Note: {note}.").format(note=note.text))


def _run_session(session, progress: ConsoleProgress) -> int:
    """Train (or resume) with console progress and Ctrl-C handling; print the outcome."""
    from cnnstudio.engine.training.launch import run_training

    received: list[int] = []
    with _stop_on_interrupt(session, progress, received):
        result = run_training(session)
    progress.clear_line()
    best = result.best
    summary = _("{status} after {epochs} epochs in {duration}").format(
        status=status_name(result.status).capitalize(),
        epochs=result.epochs_completed,
        duration=format_duration(result.elapsed_seconds),
    )
    if result.early_stopped:
        summary += _(" (early stopping)")
    if best.get("val_accuracy") is not None:
        summary += _("; best validation accuracy {accuracy:.2%} at epoch {epoch}").format(
            accuracy=best["val_accuracy"], epoch=best["epoch"]
        )
    print(summary + ".")
    if result.reason:
        print(_("Reason: {reason}").format(reason=result.reason))
    if result.run_dir:
        print(_("Run folder: {run_dir}").format(run_dir=result.run_dir))
    if result.status == "stopped" and received:
        return 128 + received[0]  # 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP: as shells do
    return {"finished": 0, "stopped": 130}.get(result.status, 1)


def _cmd_resume(args: argparse.Namespace) -> int:
    from cnnstudio.cli.runs import warn_if_forced
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.launch import resumed_session

    handle = RunStore().find(args.run)
    if args.force:
        warn_if_forced(handle, "resume")
    progress = ConsoleProgress(sys.stdout, interactive=sys.stdout.isatty())
    session = resumed_session(
        handle, progress, epochs=args.epochs, force=args.force, notes=_print_note
    )
    return _run_session(session, progress)


def _cmd_datasets(args: argparse.Namespace) -> int:
    from cnnstudio.engine.data.datasets import list_datasets

    rows = [
        [_("Name"), _("Title"), _("Shape"), _("Classes"), _("Train"), _("Validation"), _("Offline")]
    ]
    for info in list_datasets():
        rows.append(
            [
                info.name,
                _(info.title),
                format_shape(info.image_shape),
                str(info.num_classes),
                f"{info.train_size:,}",
                f"{info.validation_size:,}",
                _("yes") if info.is_available_offline() else _("no (downloads once)"),
            ]
        )
    print("\n".join(format_table(rows, right_aligned={3, 4, 5})))
    print(_("An image folder with one sub-folder per class also works: --data path/to/folder"))
    return 0
