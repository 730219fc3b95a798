"""A run's status in words: the record keeps the code ("stopped"), a person reads it in the
language of the app; one table so the table, the details and the command line agree."""

from __future__ import annotations

from cnnstudio.i18n import N_, _

STATUS_NAMES = {
    "running": N_("running"),
    "finished": N_("finished"),
    "stopped": N_("stopped"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
    "damaged": N_("damaged"),
    "unsupported": N_("unsupported"),
}


def status_name(status: str) -> str:
    """`status` in the current language; a code this version does not know is shown as is."""
    name = STATUS_NAMES.get(status)
    return _(name) if name else status
