"""The shipped KB: every catalogue id in all five languages, with the same facts in each."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
import yaml

from kb_index.articles import LANGUAGES, load_articles
from kb_index.build import DEFAULT_SOURCE
from tests.conftest import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT.parent / "shared" / "kb-catalogue.yml"
ARTICLES = load_articles(DEFAULT_SOURCE)
BY_ID = defaultdict(dict)
for _article in ARTICLES:
    BY_ID[_article.id][_article.lang] = _article

PHONE = re.compile(r"\+?\d{1,3}(?:\.\d{2,4}){2,4}")
HOUR_WORDS = {
    "en": r"hours?", "ru": r"час(?:а|ов)?", "nb": r"timer?", "fr": r"heures?", "it": r"or[ae]",
}


def catalogue_ids():
    if not CATALOGUE.exists():
        pytest.skip(f"{CATALOGUE} is not beside the repository")
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return [entry["id"] for section in data.values() for entry in section]


def hours(text, lang):
    return {int(n) for n in re.findall(rf"\b(\d+)\s*{HOUR_WORDS[lang]}\b", text, re.IGNORECASE)}


def test_every_catalogue_id_exists_in_all_five_languages():
    missing = [(article_id, lang) for article_id in catalogue_ids() for lang in LANGUAGES
               if lang not in BY_ID.get(article_id, {})]
    assert not missing


def test_every_article_exists_in_all_five_languages():
    assert {article_id: sorted(langs) for article_id, langs in BY_ID.items()
            if set(langs) != set(LANGUAGES)} == {}


@pytest.mark.parametrize("article_id", sorted(BY_ID))
def test_same_phone_numbers_in_every_language(article_id):
    numbers = {lang: set(PHONE.findall(a.body + a.summary))
               for lang, a in BY_ID[article_id].items()}
    assert len({frozenset(n) for n in numbers.values()}) == 1, numbers


@pytest.mark.parametrize("article_id", ["response-times", "support-hours", "support-priorities"])
def test_same_hours_in_every_language(article_id):
    found = {lang: hours(a.body + " " + a.summary, lang) for lang, a in BY_ID[article_id].items()}
    assert len({frozenset(h) for h in found.values()}) == 1, found


def test_phone_support_lists_every_number():
    expected = {"+1.888.799.9666", "+61.1800.768.027", "+33.800.94.64.64", "000.800.050.2040",
                "+81.053.132.0070", "+64.800.475.039", "+65.800.321.1249", "+44.800.368.7314",
                "+44.20.7039.8961"}
    for lang, article in BY_ID["phone-support"].items():
        assert expected <= set(PHONE.findall(article.body)), lang


def test_response_times_state_the_targets():
    for lang, article in BY_ID["response-times"].items():
        assert hours(article.body, lang) >= {1, 4, 24}, lang
        for priority in ("P1", "P2", "P3", "P4"):
            assert priority in article.body, (lang, priority)


def test_parity_check_catches_a_changed_number():
    numbers = {"en": {"+1.888.799.9666"}, "fr": {"+1.888.799.9667"}}
    assert len({frozenset(n) for n in numbers.values()}) == 2
    assert hours("P1: 1 hour, P2: 4 hours", "en") == {1, 4}
    assert hours("P1 : 1 heure, P2 : 4 heures", "fr") == {1, 4}
