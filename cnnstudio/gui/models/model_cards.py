"""Model cards for students: what each classic network introduced and why it mattered.

The texts live with their family (cnnstudio/models/<family>.py, as `ModelMeta.card`), marked for
the catalog; the app reads them from the shipped metadata (engine/anatomy/catalog.py), so a card
shows before Keras is loaded. A card is looked up by model name first (the three Inceptions
differ), then by any model of the family. The texts are message ids: `translated` gives them in
the current language.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from cnnstudio.i18n import _
from cnnstudio.model_metadata import ModelCard, ModelMeta

__all__ = ["ModelCard", "card_for", "translated"]


@cache
def _metadata() -> dict[str, ModelMeta]:
    from cnnstudio.engine.anatomy.catalog import load_model_metadata

    return load_model_metadata()


def card_for(name: str, family: str) -> ModelCard | None:
    """The card for a model: its own, else its family's; None for an unknown family."""
    metas = _metadata()
    meta = metas.get(name)
    if meta is not None and meta.card is not None:
        return meta.card
    return next((m.card for m in metas.values() if m.family == family and m.card), None)


def translated(card: ModelCard) -> ModelCard:
    """The card's texts in the current language (the worked example's arithmetic too)."""
    return dataclasses.replace(
        card,
        headline=_(card.headline),
        introduced=tuple(_(text) for text in card.introduced),
        why_it_mattered=_(card.why_it_mattered),
        worked_example=tuple(_(line) for line in card.worked_example),
    )
