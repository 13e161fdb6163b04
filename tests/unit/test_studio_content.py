"""What editors can teach: every intent of the domain has a description in five languages."""

from __future__ import annotations

import pytest

from bot import SUPPORTED_LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.studio.content import (
    article_titles,
    domain_intents,
    intent_descriptions,
    missing_descriptions,
    teachable_intents,
)


def test_every_intent_has_a_description_in_every_language():
    assert missing_descriptions(domain_intents(PROJECT_ROOT), intent_descriptions()) == []


def test_the_checker_finds_a_missing_description():
    descriptions = intent_descriptions()
    descriptions["greet"] = {k: v for k, v in descriptions["greet"].items() if k != "nb"}
    descriptions["cancel"]["ru"] = " "
    assert missing_descriptions(domain_intents(PROJECT_ROOT), descriptions) == [
        "greet/nb", "cancel/ru"]


def test_the_fallback_is_not_teachable_and_the_kb_intent_is():
    intents = domain_intents(PROJECT_ROOT)
    assert "nlu_fallback" not in intents
    assert {"ask_question", "request_human", "out_of_scope"} <= set(intents)


@pytest.mark.parametrize(("lang", "expected"), [
    ("ru", "Хочет поговорить с человеком"),
    ("nb", "Vil snakke med et menneske"),
    ("fr", "Veut parler à une personne"),
    ("it", "Vuole parlare con una persona"),
    ("en", "Wants to talk to a person"),
])
def test_descriptions_follow_the_interface_language(lang, expected):
    assert teachable_intents(PROJECT_ROOT, lang)["request_human"] == expected


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_every_language_lists_its_articles(lang):
    titles = article_titles(PROJECT_ROOT)[lang]
    assert "screen-sharing" in titles and titles["screen-sharing"].strip()
