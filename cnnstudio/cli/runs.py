"""`cnnstudio runs` (list, rename, tag, delete), `export` and `predict`: the runs kept on disk
and their models."""

from __future__ import annotations

import argparse
import sys

from cnnstudio.cli.common import Parser, UsageError, format_table
from cnnstudio.engine.formatting import format_bytes, format_timestamp
from cnnstudio.engine.store.ownership import NotOursError, check_run_deletable
from cnnstudio.engine.store.status_names import status_name
from cnnstudio.i18n import N_, _


def add_commands(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser(
        "export",
        help=_("export a run's model (savedmodel, keras, tflite, onnx), checked"),
        description=_(
            "Export a run's model, load the export back the way its users would, "
            "and compare its outputs with the trained model on real images of the "
            "run's data set. The folder gets metadata.json and README.md (input "
            "shape, preprocessing, classes)."
        ),
    )
    export.add_argument("run", metavar="RUN", help=_("run id (or its start, or its folder)"))
    export.add_argument(
        "--format", required=True, dest="fmt", choices=("savedmodel", "keras", "tflite", "onnx")
    )
    export.add_argument(
        "--out",
        metavar="PATH",
        help=_(
            "export folder (default: RUN/exports/FORMAT, or RUN/exports/FORMAT-best with --best)"
        ),
    )
    export.add_argument(
        "--best",
        action="store_true",
        help=_(
            "export the epoch with the best validation accuracy (from its "
            "checkpoint) instead of the final model.keras; metadata.json says "
            "which epoch an export holds either way"
        ),
    )
    export.set_defaults(handler=_cmd_export)

    predict = sub.add_parser(
        "predict",
        help=_("recognise drawn digits (bundled LeNet-5), or classify images with a trained model"),
        description=_(
            "Print the most likely classes of each image. Without --model: the "
            "bundled LeNet-5 and the drawing pad's own preprocessing (MNIST's: the "
            "digit's box scaled to 20x20, centred by its centre of mass), so a "
            "saved drawing, dark on light or light on dark, of any size, gets the "
            "pad's answer; works offline. With --model: preprocessed as the "
            "model's training images were (grayscale or RGB, size, padding, "
            "scaling). Exit status 1 when an image could not be read."
        ),
    )
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument(
        "--model",
        metavar="RUN|MODEL_FILE|latest",
        help=_(
            "a run id or folder, a .keras file, or 'latest' for the newest "
            "finished run (default: the bundled LeNet-5, for digits)"
        ),
    )
    predict.add_argument(
        "--top", type=int, default=3, metavar="K", help=_("classes shown per image (default: 3)")
    )
    predict.set_defaults(handler=_cmd_predict)

    runs = sub.add_parser(
        "runs",
        help=_("list, rename, tag or delete the training runs kept on disk"),
        description=_(
            "Without an action, list the runs with their status (running, "
            "finished, stopped, failed with the reason, interrupted), size and "
            "tags."
        ),
    )
    runs.set_defaults(handler=_cmd_runs, runs_action=None)
    actions = runs.add_subparsers(dest="runs_action", metavar="ACTION", parser_class=Parser)
    rename = actions.add_parser("rename", help=_("give a run a display name"))
    rename.add_argument("run", metavar="RUN")
    rename.add_argument("name", metavar="NAME", help=_('the new name ("" to clear it)'))
    tag = actions.add_parser("tag", help=_("add (or --remove) tags of a run"))
    tag.add_argument("run", metavar="RUN")
    tag.add_argument("tags", nargs="+", metavar="TAG")
    tag.add_argument("--remove", action="store_true", help=_("remove these tags instead"))
    delete = actions.add_parser("delete", help=_("delete runs and their folders"))
    delete.add_argument("runs", nargs="+", metavar="RUN")
    delete.add_argument("--yes", "-y", action="store_true", help=_("do not ask first"))
    delete.add_argument(
        "--force",
        action="store_true",
        help=_(
            "delete runs recorded as training whose process is known to be gone (a "
            "trainer on another host, or under an old hostname); warns first"
        ),
    )


def _status_text(status: str, reason: str | None, width: int = 48) -> str:
    shown = ("failed", "stopped", "unsupported")
    name = status_name(status)
    text = f"{name}: {reason}" if reason and status in shown else name
    return text if len(text) <= width else text[: width - 3] + "..."


def _cmd_runs(args: argparse.Namespace) -> int:
    from cnnstudio.engine.store.runs import DAMAGED, RunStore

    store = RunStore()
    action = getattr(args, "runs_action", None)
    if action == "rename":
        run = store.find(args.run)
        run.rename(args.name)
        name = run.reload().get("name")
        print(
            _("{id}: name {value}").format(id=run.id, value=name)
            if name
            else _("{id}: no name (the id is shown)").format(id=run.id)
        )
        return 0
    if action == "tag":
        run = store.find(args.run)
        tags = run.tags
        if args.remove:
            tags = [tag for tag in tags if tag not in args.tags]
        else:
            tags += [tag.strip() for tag in args.tags]
        run.set_tags(tags)
        print(
            _("{id}: tags {value}").format(
                id=run.id, value=" ".join(run.reload().get("tags") or []) or "(none)"
            )
        )
        return 0
    if action == "delete":
        return _delete_runs(store, args.runs, args.yes, args.force)

    summaries = []
    damaged = 0
    for summary in store.summaries():
        if summary.status == DAMAGED:  # one line each, and the healthy runs still listed
            print(
                _("cnnstudio runs: skipped {path}: {reason}").format(
                    path=summary.path, reason=summary.reason
                ),
                file=sys.stderr,
            )
            damaged += 1
        else:
            summaries.append(summary)
    if not summaries:
        if damaged:  # "no runs yet" would be false: there are runs, none readable
            print(
                _("No readable runs in {root} ({damaged} damaged, named above).").format(
                    root=store.root, damaged=damaged
                )
            )
        else:
            print(
                _("No runs yet in {root}. Start one with: cnnstudio train").format(root=store.root)
            )
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
            format_bytes(run.size_bytes),
            format_timestamp(run.started),
        ]
        if named:
            row.append(" ".join(filter(None, [run.name, *(f"#{tag}" for tag in run.tags)])))
        rows.append(row)
    print("\n".join(format_table(rows, right_aligned={4, 5, 6})))
    print(_("Runs folder: {root}").format(root=store.root))
    if any(run.status == "interrupted" for run in summaries):
        print(_("Interrupted runs (their process is gone) continue with: cnnstudio resume RUN"))
    return 0


FORCED_WARNINGS = {
    # One whole sentence per action, so that a translator sees what is done to the run.
    "resume": N_(
        "cnnstudio: warning: run {id} is recorded as training ({value}); resuming it anyway "
        "because of --force: if that process still runs, it and this command will spoil the run"
    ),
    "delete": N_(
        "cnnstudio: warning: run {id} is recorded as training ({value}); deleting it anyway "
        "because of --force: if that process still runs, it and this command will spoil the run"
    ),
}


def warn_if_forced(run, action: str) -> None:
    """The --force warning ("resume" or "delete"): said before anything happens to a run that
    may be training."""
    if run.is_alive():
        print(
            _(FORCED_WARNINGS[action]).format(id=run.id, value=run.trainer_description()),
            file=sys.stderr,
        )


def _delete_runs(store, names: list[str], yes: bool, force: bool) -> int:
    runs = [store.find(name) for name in names]  # all found before anything is deleted
    for run in runs:  # and all recognised as runs of the store: never a user's own folder
        try:
            check_run_deletable(run.path, store.root)
        except NotOursError as error:
            raise UsageError(str(error)) from None
    training = [run for run in runs if run.is_alive()]
    if training and not force:
        raise UsageError(
            _(
                "run {id!r} is still training ({value}); stop it before deleting it, "
                "or pass --force if that process is gone"
            ).format(id=training[0].id, value=training[0].trainer_description())
        )
    for run in training:
        warn_if_forced(run, "delete")
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(_("deleting asks for confirmation; pass --yes when not at a terminal"))
        total = sum(run.disk_size() for run in runs)
        listing = ", ".join(run.id for run in runs)
        answer = input(
            _("Delete {runs} ({size})? [y/N] ").format(runs=listing, size=format_bytes(total))
        )
        # The prompt keeps "[y/N]" in every language: the answer typed is always y or yes.
        if answer.strip().lower() not in ("y", "yes"):
            print(_("Nothing deleted."))
            return 1
    for run in runs:
        store.delete(run, force=force)
        print(_("Deleted {id}").format(id=run.id))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from cnnstudio.engine.store.modelfile import ModelFileError
    from cnnstudio.engine.use.export import ExportError, export_run
    from cnnstudio.engine.use.export_readme import weights_text

    try:
        result = export_run(
            args.run,
            args.fmt,
            args.out,
            progress=lambda text: print(text, file=sys.stderr, flush=True),
            weights="best" if args.best else "final",
        )
    except (ExportError, ModelFileError) as error:
        print(_("cnnstudio export: error: {error}").format(error=error), file=sys.stderr)
        return 1
    if not result.ok:
        print(
            _("cnnstudio export: error: {message}").format(message=result.message), file=sys.stderr
        )
        return 1
    print(_("Exported {format}: {path}").format(format=result.format, path=result.path))
    print(
        _("Weights: {weights_text}").format(
            weights_text=weights_text(result.metadata.get("weights") or {})
        )
    )
    print(
        _(
            "Round trip: reloaded and compared on {inputs}; largest difference "
            "{max_abs_diff:.3g} (tolerance {tolerance:g}): OK"
        ).format(
            inputs=result.metadata["check"]["inputs"],
            max_abs_diff=result.max_abs_diff,
            tolerance=result.tolerance,
        )
    )
    print(_("Details: {value}").format(value=result.folder / "metadata.json"))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise UsageError(_("--top must be at least 1; received {top}").format(top=args.top))
    if args.model is None:
        from cnnstudio.engine.use.digit_recognizer import DigitRecognizer

        recognizer = DigitRecognizer.bundled()
        print(_("Model: {source}").format(source=recognizer.source))
        batches = iter([recognizer.recognize_files(args.images, top=args.top)])
    else:
        from cnnstudio.engine.use.inference import load_predictor

        predictor = load_predictor(args.model)
        print(_("Model: {description}").format(description=predictor.description))
        # Printed batch by batch: 10,000 images answer as they go, in flat memory.
        batches = predictor.iter_predictions(args.images, top=args.top)
    failures = 0
    for prediction in (prediction for batch in batches for prediction in batch):
        if prediction.error:
            failures += 1
            print(
                _("{path}: skipped ({error})").format(path=prediction.path, error=prediction.error)
            )
            continue
        ranked = "  ".join(f"{name} {probability:.1%}" for name, probability in prediction.top)
        print(f"{prediction.path}: {ranked}")
    # Every readable image was answered; a non-zero status still tells a script that some
    # were not.
    return 1 if failures else 0
