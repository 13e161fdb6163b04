"""Per-language text normalization with spaCy blank pipelines and lookup tables.

Tokens are lower-cased, stop words dropped, words lemmatized (spaCy's lookup tables
for en/fr/it/nb, pymorphy3 for Russian inflection) and accents folded, so that
"показать экран", "показывать экрана" and "Показ экрана" meet on the same terms.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import Any, List

# spaCy lemmatizers that need no tagger: lookup tables, and pymorphy3 for Russian.
LEMMATIZER_MODES = {"en": "lookup", "fr": "lookup", "it": "lookup",
                    "ru": "pymorphy3_lookup"}
# Question words and possessives that spaCy's lists miss but carry no topic.
EXTRA_STOP_WORDS = {
    "nb": {"hvordan", "hva", "hvor", "hvorfor", "hvilken", "hvilke", "min", "mitt", "mine",
           "din", "ditt", "dine", "kan", "får", "gjør"},
}
# Snowball stems the lemmas too: it covers words the tables miss ("passordet" -> "passord").
STEMMERS = {"en": "english", "fr": "french", "it": "italian", "nb": "norwegian"}


def fold_accents(text: str) -> str:
    """Removes diacritics: "réunion" -> "reunion", "ё" -> "е", "på" -> "pa"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@cache
def pipeline(lang: str) -> Any:
    """Returns a blank spaCy pipeline with a lookup lemmatizer for the language."""
    import spacy

    nlp = spacy.blank(lang)
    mode = LEMMATIZER_MODES.get(lang)
    if mode:
        nlp.add_pipe("lemmatizer", config={"mode": mode})
        nlp.initialize()
    return nlp


@cache
def stemmer(lang: str) -> Any:
    """Returns the Snowball stemmer of a language, or None (Russian uses pymorphy3)."""
    import snowballstemmer

    algorithm = STEMMERS.get(lang)
    return snowballstemmer.stemmer(algorithm) if algorithm else None


@lru_cache(maxsize=50_000)
def _normalize_cached(text: str, lang: str) -> tuple:
    nlp = pipeline(lang)
    stem = stemmer(lang)
    extra_stop_words = EXTRA_STOP_WORDS.get(lang, set())
    terms = []
    for token in nlp(text.lower()):
        if token.is_space or token.is_punct or token.is_stop or token.text in extra_stop_words:
            continue
        lemma = (token.lemma_ or token.text).lower().strip("'’-")
        if not lemma or not any(ch.isalnum() for ch in lemma):
            continue
        if stem is not None:
            lemma = stem.stemWord(lemma)
        terms.append(fold_accents(lemma))
    return tuple(terms)


def normalize(text: str, lang: str) -> List[str]:
    """Returns the index terms of a text in a language (lemmas, no stop words, no accents)."""
    return list(_normalize_cached(text, lang))
