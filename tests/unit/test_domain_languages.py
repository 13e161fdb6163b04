"""Every response must exist in all five languages, chosen by the language slot."""

from __future__ import annotations

from collections import defaultdict

import pytest
from rasa.shared.core.domain import Domain

from tests.conftest import LANGUAGES, PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain"))


def variants_by_language(variants):
    found = defaultdict(list)
    for variant in variants:
        conditions = variant.get("condition") or []
        languages = [c["value"] for c in conditions if c.get("name") == "language"]
        found[languages[0] if languages else None].append(variant)
    return found


def missing_languages(variants):
    found = variants_by_language(variants)
    return [lang for lang in LANGUAGES if not found.get(lang)]


def fallback_problems(variants):
    """Why a response could be empty or foreign when the language slot is unset."""
    found = variants_by_language(variants)
    fallback = found.get(None, [])
    if len(fallback) != 1:
        return [f"{len(fallback)} variants without a language condition, expected 1"]
    english = [v["text"] for v in found.get("en", [])]
    if fallback[0].get("text") not in english:
        return ["the variant without a condition is not one of the English texts"]
    return []


@pytest.mark.parametrize("response", sorted(DOMAIN.responses))
def test_response_has_a_variant_in_every_language(response):
    found = variants_by_language(DOMAIN.responses[response])
    missing = missing_languages(DOMAIN.responses[response])
    assert not missing, f"{response} has no variant in {missing}"
    assert set(found) - {None} <= set(LANGUAGES), f"{response}: unknown languages {set(found)}"


@pytest.mark.parametrize("response", sorted(DOMAIN.responses))
def test_response_without_a_language_falls_back_to_english(response):
    # An unset language slot (the language action failed under load) matches no
    # condition; Rasa then picks among the unconditioned variants, so one must exist.
    assert fallback_problems(DOMAIN.responses[response]) == []


def test_fallback_checker_catches_a_missing_or_foreign_fallback():
    en = {"text": "hi", "condition": [{"type": "slot", "name": "language", "value": "en"}]}
    assert fallback_problems([en]) != []
    assert fallback_problems([en, {"text": "hei"}]) != []
    assert fallback_problems([en, {"text": "hi"}]) == []


@pytest.mark.parametrize("response", sorted(DOMAIN.responses))
def test_variants_of_a_response_offer_the_same_buttons(response):
    payloads = {
        lang: [[b["payload"] for b in v.get("buttons", [])] for v in variants]
        for lang, variants in variants_by_language(DOMAIN.responses[response]).items()
    }  # the fallback (None) included
    distinct = {tuple(map(tuple, p)) for p in payloads.values()}
    assert len({d[0] if d else () for d in distinct}) == 1, payloads


def test_checker_catches_a_missing_language():
    variants = [{"text": "hi", "condition": [{"type": "slot", "name": "language", "value": "en"}]}]
    assert missing_languages(variants) == ["ru", "nb", "fr", "it"]


def test_language_slot_lists_exactly_the_five_languages():
    slot = next(s for s in DOMAIN.slots if s.name == "language")
    # Rasa adds "__other__" to every categorical slot.
    assert sorted(set(slot.values) - {"__other__"}) == sorted(LANGUAGES)
