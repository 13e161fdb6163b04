"""The custom actions' message catalogue: every message in every language, same fields."""

from __future__ import annotations

import random
import re
import string

import pytest

from bot.texts.catalogue import catalogue, render
from tests.conftest import LANGUAGES


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(catalogue()))
def test_every_message_exists_in_every_language_with_the_same_fields(key):
    variants = catalogue()[key]
    assert sorted(variants) == sorted(LANGUAGES)
    field_sets = {frozenset(fields(v["text"])) for vs in variants.values() for v in vs}
    assert len(field_sets) == 1, field_sets
    payloads = {tuple(b["payload"] for b in v.get("buttons", [])) for vs in variants.values()
                for v in vs}
    assert len(payloads) == 1, payloads


def test_render_fills_fields_and_copies_buttons():
    message = render("kb_answer", "fr", summary="Cliquez sur « Partager ».")
    assert message["text"] == "Cliquez sur « Partager »."
    options = render("help_options", "nb", rng=random.Random(1))
    options["buttons"][0]["title"] = "changed"
    assert render("help_options", "nb", rng=random.Random(1))["buttons"][0]["title"] != "changed"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_kb_answer_text_is_the_summary_without_the_article_link(lang):
    # The widget's card (custom.kb) links the article; the text must not repeat the link.
    (variant,) = catalogue()["kb_answer"][lang]
    assert fields(variant["text"]) == {"summary"}
    text = render("kb_answer", lang, summary="S.")["text"]
    assert text == "S." and "/articles/" not in text and "http" not in text


# A help-center path or URL, or a `{..._url}` field. The replies that link help-center
# pages come with a card (custom.kb, custom.escalation) that links them by name.
RAW_PATH = re.compile(r"https?://|/(?:ru|nb|fr|it|en)/|/(?:articles|videos|community|forms|"
                      r"contact)\b|\{\w*_url\}|/\{lang\}/")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_carries_a_raw_help_center_path(lang):
    found = [f"{key}: {v['text']}" for key, variants in sorted(catalogue().items())
             for v in variants[lang] if RAW_PATH.search(v["text"])]
    assert found == []


def test_unknown_language_falls_back_to_english_and_unknown_key_fails():
    assert render("kb_no_answer", "de") == render("kb_no_answer", "en")
    with pytest.raises(KeyError):
        render("no_such_message", "en")
