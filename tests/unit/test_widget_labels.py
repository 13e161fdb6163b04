"""The chat widget's labels (the `widget:` sections of bot/texts/widget_labels.yml)."""

from __future__ import annotations

import re

import pytest

from bot.web.app import STATIC_DIR
from bot.web.labels import all_labels
from kb_index.articles import LANGUAGES

WIDGET_JS = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
# Looked up by a computed key: L["channel_" + channel], L[FEEDBACK[payload]].
COMPUTED = {f"channel_{c}" for c in ("live_chat", "web_ticket", "phone", "knowledge_base",
                                     "video_tutorials", "community_forum", "assistant",
                                     "forms", "contact_support")}
COMPUTED |= {"helpful", "not_helpful"}
GREETING = ("greeting", "greeting_answer", "greeting_report", "greeting_person", "suggestions")


def used_keys():
    return set(re.findall(r"\bL\.(\w+)", WIDGET_JS)) | COMPUTED


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_label_the_widget_uses_exists_in_every_language(lang):
    labels = all_labels()[lang]["widget"]
    missing = sorted(key for key in used_keys() if not str(labels.get(key, "")).strip())
    assert not missing, (lang, missing)


def test_the_widget_reads_the_greeting_and_the_related_heading_from_the_labels():
    assert {*GREETING, "related_articles"} <= used_keys()
    assert "read_article" not in used_keys()  # the card's title is the link


def test_the_greeting_is_written_in_each_language():
    labels = all_labels()
    for key in GREETING:
        texts = {lang: labels[lang]["widget"][key] for lang in LANGUAGES}
        assert len(set(texts.values())) == len(LANGUAGES), (key, texts)  # not copied over


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_related_articles_heading_matches_the_site(lang):
    labels = all_labels()[lang]
    assert labels["widget"]["related_articles"] == labels["site"]["related_articles"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cards_contact_link_is_named_like_the_page(lang):
    # The reply's text names the page ("the Contact support page"); the card links it.
    labels = all_labels()[lang]
    assert labels["widget"]["channel_contact_support"] == labels["site"]["contact_support"]
