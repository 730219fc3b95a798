"""`cnnstudio devices`: every device TensorFlow sees, which one `auto` picks and why."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cnnstudio.cli.common import format_table
from cnnstudio.i18n import _


def add_commands(sub: argparse._SubParsersAction) -> None:
    devices = sub.add_parser(
        "devices",
        help=_("list the devices TensorFlow can train on and which one `auto` picks"),
        description=_(
            "Every device TensorFlow sees (each GPU with its name, memory and "
            "compute capability), the one `--device auto` picks and why, and the "
            "mixed precision and XLA settings `auto` gives there."
        ),
    )
    devices.add_argument("--json", action="store_true", help=_("print the report as JSON"))
    devices.set_defaults(handler=_cmd_devices)


def _cmd_devices(args: argparse.Namespace) -> int:
    from cnnstudio.engine.devices.report import device_report

    report = device_report()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print("\n".join(format_report(report)))
    return 0


def format_report(report: dict[str, Any]) -> list[str]:
    """The report as lines: a table of devices, then auto's choice and settings."""
    rows = [[_("Device"), _("Kind"), _("Name"), _("Memory"), _("Compute capability")]]
    for device in report["devices"]:
        memory = device.get("memory_bytes")
        rows.append(
            [
                device["name"],
                device["kind"].upper(),
                device["description"],
                f"{memory / 2**30:.1f} GiB" if memory else "-",
                device.get("compute_capability") or "-",
            ]
        )
    policy = report["mixed_precision"]
    lines = format_table(rows, right_aligned={3})
    lines.append("")
    lines.append(
        _("auto: {device} ({reason})").format(device=report["auto"], reason=report["auto_reason"])
    )
    if report["xla"]:
        settings = _(
            "automatic settings there: precision {policy}, XLA on (off for augmented runs: "
            "no XLA kernel)"
        )
    else:
        settings = _("automatic settings there: precision {policy}, XLA off")
    lines.append(settings.format(policy=policy))
    if report["gpus"] > 1:
        lines.append(
            _("{count} GPUs: --strategy mirrored trains on all of them").format(
                count=report["gpus"]
            )
        )
    return lines
