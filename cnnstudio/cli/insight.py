"""`cnnstudio evaluate` and `cnnstudio explain`: what a trained model gets wrong, and where it
looks, from the command line (the engine's `insight` wing does the work)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from cnnstudio.cli.common import UsageError
from cnnstudio.i18n import _

METHOD_NAMES = ("gradcam", "gradcam++", "saliency", "smoothgrad", "occlusion")


def add_commands(sub: argparse._SubParsersAction) -> None:
    evaluate = sub.add_parser(
        "evaluate",
        help=_("evaluate a run: accuracy, per-class scores, confusion, calibration, hard cases"),
        description=_(
            "Evaluate a run's model on the validation split it trained with (or on --data), "
            "streamed in batches; the result is cached in the run folder until the model or "
            "the data change."
        ),
    )
    evaluate.add_argument("run", metavar="RUN", help=_("a run id, name or folder"))
    evaluate.add_argument(
        "--data", metavar="NAME|FOLDER", help=_("a data set name or an image folder to use")
    )
    evaluate.add_argument(
        "--json", metavar="FILE", help=_("write every figure and per-image predictions here")
    )
    evaluate.add_argument(
        "--batch-size", type=int, default=256, metavar="N", help=_("images per batch")
    )
    evaluate.add_argument("--no-cache", action="store_true", help=_("recompute even if cached"))
    evaluate.set_defaults(handler=_cmd_evaluate)

    explain = sub.add_parser(
        "explain",
        help=_("show where a model looks: Grad-CAM, saliency, occlusion maps of images"),
        description=_(
            "Write, for each image, <image name>.png (the map over the image) and "
            "<image name>.npy (the raw map: float32, the model's input height x width, "
            "non-negative) to --out."
        ),
    )
    explain.add_argument("model", metavar="RUN_OR_FILE", help=_("a run or a .keras file"))
    explain.add_argument("images", nargs="+", metavar="IMAGE")
    explain.add_argument("--out", required=True, metavar="DIR", help=_("folder for the maps"))
    explain.add_argument("--method", choices=METHOD_NAMES, default="gradcam")
    explain.add_argument(
        "--layer", metavar="NAME", help=_("target layer (default: found from the structure)")
    )
    explain.add_argument(
        "--class",
        dest="target",
        type=int,
        metavar="K",
        help=_("class to explain (default: the predicted one)"),
    )
    explain.add_argument(
        "--sanity",
        action="store_true",
        help=_(
            "also compute the map with the classifier's weights randomised (Adebayo et al. "
            "2018), written as <image name>.randomized.npy, and print their rank correlation"
        ),
    )
    explain.add_argument(
        "--stages",
        action="store_true",
        help=_(
            "also write one Grad-CAM per stage of the network (the last layer of each "
            "resolution) as <image name>.stage-<layer>.png and .npy"
        ),
    )
    explain.set_defaults(handler=_cmd_explain)

    pareto = sub.add_parser(
        "pareto",
        help=_("runs of a data set: best validation accuracy against cost, the Pareto front"),
        description=_(
            "List the runs of one data set with their best validation accuracy, parameters, "
            "MACs per image and training time; '*' marks the runs on the Pareto front of the "
            "chosen cost (no other run is as accurate for less)."
        ),
    )
    pareto.add_argument(
        "--data", metavar="NAME", help=_("the data set (default: the one with most runs)")
    )
    pareto.add_argument("--by", choices=("params", "macs", "seconds"), default="params")
    pareto.add_argument("--json", metavar="FILE", help=_("write the points here"))
    pareto.set_defaults(handler=_cmd_pareto)


def _find_run(text: str):
    from cnnstudio.engine.store.runs import Run, RunStore, is_run_folder

    path = Path(text).expanduser()
    if path.is_dir() and is_run_folder(path):
        return Run(path)
    return RunStore().find(text)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from cnnstudio.engine.insight.run_evaluation import evaluate_run
    from cnnstudio.engine.store.atomic_files import atomic_write_text

    if args.batch_size < 1:
        raise UsageError(_("--batch-size must be at least 1"))
    run = _find_run(args.run)
    outcome = evaluate_run(
        run, data=args.data, batch_size=args.batch_size, use_cache=not args.no_cache
    )
    figures = outcome.figures
    _print_summary(run.id, figures, outcome.cached)
    _print_skipped(figures, outcome.skipped)
    if args.json:
        text = json.dumps(figures, indent=1, allow_nan=False) + "\n"
        atomic_write_text(Path(args.json).expanduser(), text)
        print(_("Wrote {path}").format(path=args.json))
    return 0


def _print_summary(run_id: str, figures: dict, cached: bool) -> None:
    names = figures["class_names"]
    source = _("cached") if cached else _("{seconds:.2f} s").format(seconds=figures["seconds"])
    print(
        _("Run {run}: {count} images of {data} ({source})").format(
            run=run_id, count=figures["count"], data=figures["data"].get("dataset"), source=source
        )
    )
    print(_("Accuracy   {value:.2%}").format(value=figures["accuracy"]))
    if figures.get("top3_accuracy") is not None:
        print(_("Top-3      {value:.2%}").format(value=figures["top3_accuracy"]))
    print(_("Loss       {value:.4f}").format(value=figures["loss"]))
    print(_("ECE        {value:.4f}").format(value=figures["calibration_error"]))
    print(_("Macro F1   {value:.4f}").format(value=figures["macro"]["f1"]))
    print(_("{name:<12} precision  recall     F1  support").format(name=_("class")))
    for name, row in zip(names, figures["per_class"], strict=True):
        print(
            f"{name[:12]:<12} {row['precision']:9.3f} {row['recall']:7.3f} "
            f"{row['f1']:6.3f} {row['support']:8d}"
        )
    predictions = figures["predictions"]
    hardest = figures["hardest"][:5]
    if hardest:
        print(_("Hardest examples (highest loss first):"))
        for row in hardest:
            item = predictions[row]
            print(
                _("  {item}: true {true}, predicted {predicted} ({confidence:.1%})").format(
                    item=item["item"],
                    true=names[item["true"]],
                    predicted=names[item["predicted"]],
                    confidence=item["confidence"],
                )
            )
    suspects = figures["suspects"]
    print(_("Suspect labels: {count}").format(count=len(suspects)))
    for suspect in suspects[:5]:
        print(
            _("  {item}: labelled {label}, looks like {suggested} ({confidence:.1%})").format(
                item=predictions[suspect["row"]]["item"],
                label=names[suspect["label"]],
                suggested=names[suspect["suggested"]],
                confidence=suspect["confidence"],
            )
        )


def _print_skipped(figures: dict, skipped: list[tuple[str, str]]) -> None:
    """How many files of an image folder were left out, and the first few with their reason."""
    count = max(int(figures["data"].get("skipped") or 0), len(skipped))
    if not count:
        return
    print(_("Skipped {count} unreadable file(s):").format(count=count))
    for path, reason in skipped[:5]:
        print(_("  {path}: {reason}").format(path=path, reason=reason))
    if len(skipped) > 5:
        print(_("  ... and {count} more").format(count=len(skipped) - 5))


def _cmd_explain(args: argparse.Namespace) -> int:
    from PIL import Image

    from cnnstudio.engine.insight.explain import make_method
    from cnnstudio.engine.insight.overlay import heat_overlay
    from cnnstudio.engine.insight.sanity import sanity_check
    from cnnstudio.engine.use.inference import load_predictor

    predictor = load_predictor(args.model)
    model = predictor.model
    classes = len(predictor.class_names)
    if args.target is not None and not 0 <= args.target < classes:
        raise UsageError(
            _("--class must lie in 0..{last}; received {value}").format(
                last=classes - 1, value=args.target
            )
        )
    method = make_method(args.method, model, args.layer)
    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    print(_("Model: {model}").format(model=predictor.description))
    failures = 0
    stage_cam = None  # one traced Grad-CAM over every stage, made for the first image
    for path in args.images:
        try:
            image = predictor.load_image(path)
        except (OSError, ValueError) as error:  # Pillow's errors are OSError or ValueError
            failures += 1
            print(_("{path}: skipped ({reason})").format(path=path, reason=error))
            continue
        batch = image[np.newaxis]
        probabilities = predictor.probabilities(batch)[0]
        target = int(np.argmax(probabilities)) if args.target is None else args.target
        heat = method(batch, [target])[0]
        stem = out / Path(path).stem
        np.save(f"{stem}.npy", heat.astype(np.float32))
        Image.fromarray(heat_overlay(image, heat)).save(f"{stem}.png")
        line = _("{path}: class {name} ({probability:.1%}) -> {png}").format(
            path=path,
            name=predictor.class_names[target],
            probability=probabilities[target],
            png=f"{stem}.png",
        )
        if args.stages:
            from cnnstudio.engine.insight.explain import GradCAM
            from cnnstudio.engine.insight.targets import stage_layers

            stages = stage_cam or GradCAM(model, stage_layers(model))
            stage_cam = stages
            for layer, stage_heat in stages.per_layer(batch, [target]).items():
                np.save(f"{stem}.stage-{layer}.npy", stage_heat[0].astype(np.float32))
                Image.fromarray(heat_overlay(image, stage_heat[0])).save(
                    f"{stem}.stage-{layer}.png"
                )
        if args.sanity:
            check = sanity_check(args.method, model, batch, [target], layer=args.layer)
            np.save(f"{stem}.randomized.npy", check.randomized[0])
            line += "  " + _("randomised head: rank correlation {rho:.2f}").format(
                rho=check.rank_correlation[0]
            )
        print(line)
    return 1 if failures else 0


def _cmd_pareto(args: argparse.Namespace) -> int:
    from cnnstudio.engine.formatting import format_count
    from cnnstudio.engine.insight.glance import datasets_of, run_points
    from cnnstudio.engine.store.atomic_files import atomic_write_text
    from cnnstudio.engine.store.runs import RunStore

    summaries = RunStore().summaries()
    datasets = datasets_of(summaries)
    dataset = args.data or (datasets[0] if datasets else None)
    if dataset is None or dataset not in datasets:
        raise UsageError(
            _(
                "no run of {data} has a best validation accuracy; data sets with runs: {value}"
            ).format(data=dataset or "-", value=", ".join(datasets) or "-")
        )
    points = sorted(
        run_points(summaries, dataset),
        key=lambda p: (p.cost(args.by) is None, p.cost(args.by) or 0.0),
    )
    print(
        _("Runs of {data}, by {axis} ('*': on the Pareto front)").format(data=dataset, axis=args.by)
    )
    print(
        _("  {run:<34} {model:<14} {accuracy:>8} {params:>9} {macs:>9} {seconds:>8}").format(
            run=_("run"),
            model=_("model"),
            accuracy=_("val acc"),
            params=_("params"),
            macs=_("MACs"),
            seconds=_("seconds"),
        )
    )
    for point in points:
        mark = "*" if point.pareto.get(args.by) else " "
        params = format_count(point.params) if point.params else "-"
        macs = format_count(point.macs) if point.macs else "-"
        seconds = f"{point.seconds:.0f}" if point.seconds is not None else "-"
        print(
            f"{mark} {point.name[:34]:<34} {point.model[:14]:<14} {point.accuracy:8.2%} "
            f"{params:>9} {macs:>9} {seconds:>8}"
        )
    if args.json:
        rows = [
            {
                "run": p.run_id,
                "name": p.name,
                "model": p.model,
                "accuracy": p.accuracy,
                "params": p.params,
                "macs": p.macs,
                "seconds": p.seconds,
                "pareto": p.pareto,
            }
            for p in points
        ]
        text = json.dumps({"dataset": dataset, "points": rows}, indent=1) + "\n"
        atomic_write_text(Path(args.json).expanduser(), text)
    return 0
