"""The model picker shows each model's description in the app's language: its copy marked for
the catalog (gui/models/model_descriptions.py) must be the registry's text, word for word."""

from __future__ import annotations

from cnnstudio import i18n
from cnnstudio.engine.anatomy.catalog import load_model_metadata
from cnnstudio.gui.models.model_descriptions import DESCRIPTIONS, OPTION_HELP


def test_every_description_is_marked_for_the_catalog_word_for_word():
    metadata = load_model_metadata()
    assert {name: meta.description for name, meta in metadata.items()} == DESCRIPTIONS


def test_every_option_help_is_marked_for_the_catalog_word_for_word():
    shown = {
        option.name: option.help
        for meta in load_model_metadata().values()
        for option in meta.options
    }
    assert shown == OPTION_HELP


def test_the_picker_card_shows_the_description_in_chinese():
    from cnnstudio.gui.models.model_picker import card_html

    meta = load_model_metadata()["lenet5"]
    try:
        i18n.set_language("zh_CN")
        card = card_html(meta)
    finally:
        i18n.set_language("en")
    assert meta.description not in card and "LeNet-5" in card
