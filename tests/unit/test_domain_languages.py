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


@pytest.mark.parametrize("response", sorted(DOMAIN.responses))
def test_response_has_a_variant_in_every_language(response):
    found = variants_by_language(DOMAIN.responses[response])
    missing = missing_languages(DOMAIN.responses[response])
    assert not missing, f"{response} has no variant in {missing}"
    assert None not in found, f"{response} has a variant without a language condition"
    assert set(found) <= set(LANGUAGES), f"{response} has unknown languages {set(found)}"


@pytest.mark.parametrize("response", sorted(DOMAIN.responses))
def test_variants_of_a_response_offer_the_same_buttons(response):
    payloads = {
        lang: [[b["payload"] for b in v.get("buttons", [])] for v in variants]
        for lang, variants in variants_by_language(DOMAIN.responses[response]).items()
    }
    distinct = {tuple(map(tuple, p)) for p in payloads.values()}
    assert len({d[0] if d else () for d in distinct}) == 1, payloads


def test_checker_catches_a_missing_language():
    variants = [{"text": "hi", "condition": [{"type": "slot", "name": "language", "value": "en"}]}]
    assert missing_languages(variants) == ["ru", "nb", "fr", "it"]


def test_language_slot_lists_exactly_the_five_languages():
    slot = next(s for s in DOMAIN.slots if s.name == "language")
    # Rasa adds "__other__" to every categorical slot.
    assert sorted(set(slot.values) - {"__other__"}) == sorted(LANGUAGES)
