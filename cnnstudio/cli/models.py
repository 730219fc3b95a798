"""`cnnstudio models` and `cnnstudio summary`: the model zoo and its layer statistics."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cnnstudio.cli.common import UsageError, format_table, parse_options
from cnnstudio.engine.formatting import format_count, format_int, format_shape
from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.engine.anatomy.catalog import CatalogEntry
    from cnnstudio.model_metadata import ModelMeta

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


def add_commands(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser(
        "models",
        help=_("list every model with family, year, parameters, MACs"),
        description=_(
            "List every model of the zoo with its parameters and MACs "
            "(multiply-accumulates for one image; FLOPs = 2 x MACs) at its "
            "canonical input."
        ),
    )
    models.add_argument("--family", help=_("only this family (e.g. ResNet)"))
    models.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    models.set_defaults(handler=_cmd_models)

    summary = sub.add_parser(
        "summary",
        help=_("per-layer table of a model: shapes, parameters with formulas, MACs"),
        description=_(
            "Build a model and show every layer: type, output shape, MACs and the "
            "formula behind its parameters, grouped by block, with totals."
        ),
    )
    summary.add_argument("model", metavar="NAME", help=_("a model name (see `cnnstudio models`)"))
    summary.add_argument(
        "--input",
        metavar="HxWxC",
        help=_(
            "input shape as height x width x channels, e.g. 32x32x1 (grayscale) or "
            "32x32x3 (colour); the channels are required (default: the model's "
            "canonical input)"
        ),
    )
    summary.add_argument(
        "--classes",
        type=int,
        metavar="N",
        help=_("number of classes (default: the model's, usually 1000)"),
    )
    summary.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_("a model option, e.g. activation=tanh (repeatable)"),
    )
    summary.add_argument("--json", action="store_true", help=_("print JSON instead of a table"))
    summary.add_argument(
        "--no-card", action="store_true", help=_("leave out the model card after the totals")
    )
    summary.set_defaults(handler=_cmd_summary)


def _model_listing(
    family: str | None,
) -> tuple[list[tuple[ModelMeta, CatalogEntry]], list[str]]:
    """The models of `family` (every model when None) as (metadata, figures) pairs, and the names
    of all families. From the shipped catalog when it covers every model, so listing imports
    neither Keras nor TensorFlow; otherwise from the registry, computing what the catalog lacks
    (only for the chosen family: each model takes seconds to build)."""
    from cnnstudio.engine.anatomy.catalog import catalog_entries, shipped_listing

    def chosen(family_name: str) -> bool:
        return family is None or family_name.lower() == family.lower()

    shipped = shipped_listing()
    if shipped is not None:
        families = list(dict.fromkeys(meta.family for meta, _entry in shipped))
        return [(meta, entry) for meta, entry in shipped if chosen(meta.family)], families

    from cnnstudio.models import list_models

    def computing(name: str) -> None:
        print(
            _("computing {name} (not in the shipped catalog) ...").format(name=name),
            file=sys.stderr,
            flush=True,
        )

    infos = [info for info in list_models() if chosen(info.family)]
    entries = catalog_entries([info.name for info in infos], on_compute=computing)
    families = list(dict.fromkeys(info.family for info in list_models()))
    return list(zip(infos, entries, strict=True)), families


def _cmd_models(args: argparse.Namespace) -> int:
    family = getattr(args, "family", None)
    listing, families = _model_listing(family)
    if not listing:
        raise UsageError(
            _("no family {family!r}; the families are: {value}").format(
                family=family, value=", ".join(families)
            )
        )
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
                    for info, entry in listing
                ],
                indent=1,
            )
        )
        return 0
    rows = [["Name", "Model", "Family", "Year", "Input", "Params", "Exact", "MACs"]]
    for info, entry in listing:
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
    print("\n".join(format_table(rows, right_aligned={5, 6, 7})))
    print(
        _(
            "\nFigures at each model's canonical input and default classes. MACs: "
            "multiply-accumulates for one\nimage (FLOPs = 2 x MACs). Layer by "
            "layer: cnnstudio summary NAME"
        )
    )
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from cnnstudio.engine.anatomy.graph_source import compute_zoo_stats, stats_key
    from cnnstudio.models import get_model_info

    info = get_model_info(args.model)
    options = parse_options(args.option)
    # The input's size is checked first; the figures come from a build without weight
    # buffers, so a large input costs shapes, not gigabytes.
    key = stats_key(info.name, args.input, args.classes, options)
    stats = compute_zoo_stats(key)
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
        _("{display_name} ({name}): input {shape_text}, output {shape_text2}").format(
            display_name=info.display_name,
            name=info.name,
            shape_text=shape_text(stats.input_shapes),
            shape_text2=shape_text(stats.output_shapes),
        )
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
    print("\n".join(format_table(rows, right_aligned={3})))
    print(
        _(
            "\nParameters: {format_int} ({format_count}): {format_int2} trainable, "
            "{format_int3} non-trainable"
        ).format(
            format_int=format_int(stats.params),
            format_count=format_count(stats.params),
            format_int2=format_int(stats.trainable_params),
            format_int3=format_int(stats.non_trainable_params),
        )
    )
    print(
        _(
            "MACs per image: {format_int} ({format_count}); FLOPs = 2 x MACs = {format_count2}"
        ).format(
            format_int=format_int(stats.macs),
            format_count=format_count(stats.macs),
            format_count2=format_count(stats.flops),
        )
    )
    if info.card is not None and not args.no_card:
        print("\n" + "\n".join(card_lines(info.card)))
    return 0


def card_lines(card, width: int = 100) -> list[str]:
    """A model card (what the network introduced, why it mattered, arithmetic to check) as
    terminal lines; its texts are the catalog's message ids, translated here."""
    import textwrap

    lines = [_(card.headline), "", _("What it introduced:")]
    for item in card.introduced:
        lines += textwrap.wrap(_(item), width, initial_indent="- ", subsequent_indent="  ")
    lines += ["", _("Why it mattered:"), *textwrap.wrap(_(card.why_it_mattered), width)]
    if card.worked_example:
        lines += ["", _("Check the numbers:"), *(f"  {_(line)}" for line in card.worked_example)]
    return lines
