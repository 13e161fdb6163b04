"""The action server's warm-up leaves nothing for the first KB question to build.

``actions.__main__.warm_up`` runs before the action server listens (its ``/health``
says ready only afterwards). Each language's text normalisers (spaCy pipeline and
lookup tables, pymorphy3, Snowball, the glossary's phrase table) are built on first
use; without the warm-up the first question in a language paid for them: seconds, not
the usual tens of milliseconds.
"""

from __future__ import annotations

import pytest

from actions.__main__ import warm_up
from bot import composition
from bot.knowledge.answer import answer_question
from kb_index import glossary, normalize
from tests.kb_real_index import lexical_kb_index

# Users' own words, not the warm-up's questions: typos, a foreign product name.
FIRST_QUESTIONS = [
    ("ru", "у меня не работает breakout rooms"),
    ("nb", "jeg hører ingen i møtet"),
    ("fr", "le son est haché pendant la reunion"),
    ("it", "la mia webcam non funziona"),
    ("en", "I cant hear anyone in the meting"),
]
# What is built once per process (or per language) on first use.
BUILT_ON_FIRST_USE = {
    "spaCy pipeline": normalize.pipeline,
    "stemmer": normalize.stemmer,
    "glossary phrase table": normalize.phrase_table,
    "glossary": glossary.load_glossary,
}


class CountingSearcher:
    """The action's searcher (``composition.kb_searcher``) over the lexical test index."""

    def __init__(self, index):
        self._index, self.calls = index, 0

    def index(self):
        self.calls += 1
        return self._index


@pytest.fixture(scope="module")
def warmed():
    index = lexical_kb_index()
    searcher = CountingSearcher(index)
    for built in BUILT_ON_FIRST_USE.values():
        built.cache_clear()  # as in a new process
    composition.override("kb_searcher", searcher)
    composition.override("priority_classifier", object())
    try:
        warm_up()
    finally:
        composition.override("kb_searcher", None)
        composition.override("priority_classifier", None)
    return index, searcher


def builds():
    return {name: built.cache_info().misses for name, built in BUILT_ON_FIRST_USE.items()}


@pytest.mark.parametrize("lang, question", FIRST_QUESTIONS, ids=[q[0] for q in FIRST_QUESTIONS])
def test_the_first_question_after_the_warm_up_builds_nothing(warmed, lang, question):
    index, _ = warmed
    before = builds()
    decision = answer_question(index, question, lang)
    assert decision.outcome in ("clear", "ambiguous", "none")
    assert builds() == before, f"the first {lang} question built what the warm-up did not"


def test_the_warm_up_searches_the_actions_index_in_every_language(warmed):
    from actions.__main__ import warm_up_kb

    index, searcher = warmed
    assert searcher.calls >= 1, "the warm-up must load the index the action searches"
    assert set(warm_up_kb(index)) == set(index.languages) == {lang for lang, _ in FIRST_QUESTIONS}
