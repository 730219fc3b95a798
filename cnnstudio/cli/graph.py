"""`cnnstudio graph`: a model's layer graph as SVG or PNG, with no display.

The picture is the graph view's own scene (`cnnstudio.gui.graph`), drawn by Qt offscreen. This
is the one command that imports GUI code, and only inside its handler, lazily: the rest of the
CLI never loads Qt, and this command never opens a window.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnnstudio.cli.common import UsageError, expand_path, parse_options
from cnnstudio.i18n import _

EXPAND_HELP = (
    "which blocks to show layer by layer: all, none, or block names "
    "(e.g. inception_3a conv2_block1); default: small models expanded, deep ones by block"
)


def add_commands(sub: argparse._SubParsersAction) -> None:
    graph = sub.add_parser(
        "graph",
        help=_("draw a model's layer graph as SVG or PNG (no display needed)"),
        description=_(
            "Draw the layer graph of a zoo model, or of a trained model (--model), "
            "with shapes, parameters and MACs per node, as the app's graph view "
            "shows it. A large PNG is split into pages NAME-1.png, NAME-2.png, ... "
            "so its text stays readable."
        ),
    )
    graph.add_argument("name", nargs="?", metavar="NAME", help=_("a model of the zoo"))
    graph.add_argument(
        "--model",
        dest="trained",
        metavar="RUN_OR_FILE",
        help=_("a trained model instead: a run id or name, or a .keras file (opened in safe mode)"),
    )
    graph.add_argument(
        "--input", metavar="HxWxC", help=_("input shape, e.g. 32x32x1 (default: the model's)")
    )
    graph.add_argument("--classes", type=int, metavar="N", help=_("number of classes"))
    graph.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=_("a model option, e.g. pooling=max (repeatable)"),
    )
    graph.add_argument("--expand", nargs="+", metavar="BLOCK", help=EXPAND_HELP)
    graph.add_argument("--out", required=True, metavar="FILE", help=_("FILE.svg or FILE.png"))
    graph.set_defaults(handler=_cmd_graph)


def _expanded(values: list[str] | None) -> tuple[frozenset[str] | str | None, frozenset[str]]:
    """(expanded, also_expand) of a GraphRequest: all, none, or blocks opened on top of the
    model's default view."""
    if not values:
        return None, frozenset()
    if values == ["all"]:
        return "all", frozenset()
    if values == ["none"]:
        return frozenset(), frozenset()
    if {"all", "none"} & set(values):
        raise UsageError(_("--expand takes all, none, or block names, not a mix"))
    return None, frozenset(values)


def _request(args: argparse.Namespace):
    from cnnstudio.engine.anatomy.graph_pipeline import GraphRequest

    expanded, also = _expanded(args.expand)
    if args.trained:
        if args.name or args.input or args.classes or args.option:
            raise UsageError(
                _(
                    "--model draws a trained model as it is: no NAME, --input, --classes "
                    "or --option with it"
                )
            )
        request = GraphRequest(trained=args.trained, expanded=expanded, also_expand=also)
        return request, Path(args.trained).name
    if not args.name:
        raise UsageError(_("give a model NAME (see `cnnstudio models`) or --model RUN_OR_FILE"))
    from cnnstudio.model_metadata import parse_input_shape
    from cnnstudio.models import get_model_info

    info = get_model_info(args.name)  # ValueError for an unknown name, with the known ones
    options = parse_options(args.option)
    info.resolve_options(options)  # bad options fail here, before anything is built
    return (
        GraphRequest(
            model=info.name,
            input_shape=parse_input_shape(args.input) if args.input else None,
            num_classes=args.classes if args.classes is not None else info.default_classes,
            options=tuple(sorted(options.items())),
            expanded=expanded,
            also_expand=also,
        ),
        info.display_name,
    )


def _cmd_graph(args: argparse.Namespace) -> int:
    if not args.out.lower().endswith((".svg", ".png")):
        raise UsageError(_("--out must end in .svg or .png; received {out!r}").format(out=args.out))
    out = expand_path(args.out, "--out")
    _check_writable(out)  # before the build, and instead of Qt's "QPainter::begin()" line
    request, display_name = _request(args)
    from cnnstudio.gui.graph.render import render_graph_file  # the one arrow into the GUI

    result, written = render_graph_file(request, str(out), display_name)
    if len(written) > 1:
        text = _("wrote {value} in {pages} pages: {len} nodes for {len2} layers")
    else:
        text = _("wrote {value}: {len} nodes for {len2} layers")
    print(
        text.format(
            value=", ".join(str(path) for path in written),
            pages=len(written),
            len=len(result.graph.nodes),
            len2=len(result.stats.layers),
        ),
        file=sys.stdout,
    )
    return 0


def _check_writable(out: Path) -> None:
    """Try what the painter will do: create a file in the folder (the only sure test, for a
    read-only file system as for permissions); the probe is removed at once."""
    import tempfile

    folder = out.parent
    if not folder.is_dir():
        raise UsageError(_("--out: the folder {folder} does not exist").format(folder=folder))
    if out.is_dir():
        raise UsageError(
            _("--out: {out} is a folder; give a file name ending in .svg or .png").format(out=out)
        )
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".cnnstudio-probe-"):
            pass
    except OSError as error:
        raise UsageError(
            _("--out: cannot write in {folder}: {value}").format(
                folder=folder, value=error.strerror or error
            )
        ) from None
