"""Rasa's warm-up (``kb_index.normalize.warm_up``) builds every language's normalisers.

The KB evidence NLU component searches a message in its own language and, when nothing
fits, in the others: the first message of any language could touch all five. Without
the warm-up, each language's spaCy pipeline and lookups were built during a user's turn
(seconds; 10% of Rasa's CPU in the first minute of ``bench/conversation_load.py``).
"""

from __future__ import annotations

import pytest

from kb_index import glossary, normalize
from tests.conftest import LANGUAGES

FIRST_MESSAGES = [
    ("ru", "у меня не работает breakout rooms"),
    ("nb", "jeg hører ingen i møtet"),
    ("fr", "le son est haché pendant la reunion"),
    ("it", "la mia webcam non funziona"),
    ("en", "I cant hear anyone in the meting"),
]
BUILT_ON_FIRST_USE = (normalize.pipeline, normalize.stemmer, normalize.phrase_table,
                      glossary.load_glossary)


def builds():
    return [built.cache_info().misses for built in BUILT_ON_FIRST_USE]


@pytest.fixture(scope="module")
def warmed():
    for built in BUILT_ON_FIRST_USE:
        built.cache_clear()  # as in a new process
    normalize.warm_up(LANGUAGES)


@pytest.mark.parametrize("lang, message", FIRST_MESSAGES, ids=[m[0] for m in FIRST_MESSAGES])
def test_a_first_message_builds_nothing_in_any_language(warmed, lang, message):
    before = builds()
    for other in LANGUAGES:  # the cross-language search normalises it in every language
        for mode in ("all", "foreign", "none"):
            normalize.normalize(message, other, mode)
    assert builds() == before, f"a {lang} message built what the warm-up did not"


def test_without_the_warm_up_a_first_message_builds_its_pipeline():
    for built in BUILT_ON_FIRST_USE:
        built.cache_clear()
    normalize._normalize_cached.cache_clear()
    normalize._concepts_cached.cache_clear()
    before = builds()
    normalize.normalize("la mia webcam non funziona", "it", "foreign")
    assert builds() != before
