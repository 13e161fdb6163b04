"""Per-language text normalization with spaCy blank pipelines and lookup tables.

Tokens are lower-cased, stop words dropped, words lemmatized (spaCy's lookup tables
for en/fr/it/nb, pymorphy3 for Russian inflection) and accents folded, so that
"показать экран", "показывать экрана" and "Показ экрана" meet on the same terms.

Product vocabulary (``data/glossary.yml``) adds one language-neutral token per concept
named in the text, whatever language names it: "breakout rooms" in a Russian question
and «сессионные залы» in the Russian article both yield ``concept:breakout-rooms``.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from typing import Any, Container, Dict, Iterable, List, Literal, Optional, Tuple

from kb_index.glossary import load_glossary

# spaCy lemmatizers that need no tagger: lookup tables, and pymorphy3 for Russian.
LEMMATIZER_MODES = {"en": "lookup", "fr": "lookup", "it": "lookup",
                    "ru": "pymorphy3_lookup"}
# Question words and possessives that spaCy's lists miss but carry no topic.
EXTRA_STOP_WORDS = {
    "nb": {"hvordan", "hva", "hvor", "hvorfor", "hvilken", "hvilke", "min", "mitt", "mine",
           "din", "ditt", "dine", "kan", "får", "gjør"},
}
# Topic words that spaCy's stop-word lists drop: "registrazione" is "recording" and
# "attesa" the waiting room in Italian, "kontakt" contact in Norwegian, "данные" data,
# "son" the sound in French ("pas de son"; also "his", a price worth paying).
NOT_STOP_WORDS = {
    "fr": {"son"},
    "it": {"registrazione", "attesa", "gruppo", "lavoro", "persone"},
    "nb": {"kontakt"},
    "ru": {"данные", "данных"},
}
# Snowball stems the lemmas too: it covers words the tables miss ("passordet" -> "passord").
STEMMERS = {"en": "english", "fr": "french", "it": "italian", "nb": "norwegian"}
CONCEPT_PREFIX = "concept:"
# Which glossary concepts ``normalize`` adds as tokens: every one named in the text
# (indexing), only those named in another language's or a typed form (queries: a name in
# the query's own language already matches the article's words), or none.
ConceptMode = Literal["all", "foreign", "none"]


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
    kept = NOT_STOP_WORDS.get(lang, set())
    terms = []
    for token in nlp(text.lower()):
        stop = token.is_stop and token.text not in kept
        if token.is_space or token.is_punct or stop or token.text in extra_stop_words:
            continue
        lemma = (token.lemma_ or token.text).lower().strip("'’-")
        if not lemma or not any(ch.isalnum() for ch in lemma):
            continue
        if stem is not None:
            lemma = stem.stemWord(lemma)
        terms.append(fold_accents(lemma))
    return tuple(terms)


def concept_token(concept_id: str) -> str:
    """The index term of a glossary concept: ``concept:<id>``."""
    return CONCEPT_PREFIX + concept_id


def is_concept_token(term: str) -> bool:
    """Whether an index term is a glossary concept token (never fuzzy-matched)."""
    return term.startswith(CONCEPT_PREFIX)


@cache
def phrase_table(lang: str) -> Tuple[Dict[Tuple[str, ...], Tuple[str, bool]], int]:
    """Normalized glossary terms of every language, as read in ``lang``'s text.

    Returns:
        ``{terms: (concept id, native)}``, where ``native`` says the form is one of the
        concept's ``lang`` names, and the longest key's length. The language's own names
        come first, so they win when two forms normalize alike.
    """
    glossary = load_glossary()
    table: Dict[Tuple[str, ...], Tuple[str, bool]] = {}
    for native in (True, False):
        for concept in glossary.concepts:
            forms = concept.terms[lang] if native else concept.all_terms()
            for form in forms:
                key = _normalize_cached(form, lang)
                if key and key not in table:
                    table[key] = (concept.id, native)
    return table, max((len(k) for k in table), default=0)


@lru_cache(maxsize=50_000)
def _concepts_cached(text: str, lang: str, mode: str) -> tuple:
    terms = _normalize_cached(text, lang)
    table, longest = phrase_table(lang)
    found = []
    start = 0
    while start < len(terms):
        # Longest match first: "breakout rooms" is one concept, not "breakout" + "rooms".
        for size in range(min(longest, len(terms) - start), 0, -1):
            entry = table.get(terms[start:start + size])
            if entry is not None:
                concept_id, native = entry
                if mode == "all" or not native:
                    found.append(concept_token(concept_id))
                start += size
                break
        else:
            start += 1
    return terms + tuple(found)


def localize_terms(text: str, lang: str, vocabulary: Optional[Container[str]] = None
                   ) -> Tuple[str, List[str]]:
    """A question with its product terms in ``lang``'s words (``Glossary.localize``).

    "il mio screen sharing non va" -> "il mio condivisione schermo non va" in Italian,
    so both the lexical and the dense ranking see the name the articles use.

    Args:
        text: the user's question.
        lang: the language it is answered in.
        vocabulary: the index terms of ``lang``'s articles; a product term all of whose
            words are in it ("Business", "SSO" in a Norwegian question) stays as written.

    Returns:
        The rewritten question and the concept token of each name replaced.
    """
    def understood(term: str) -> bool:
        words = _normalize_cached(term, lang)
        return vocabulary is not None and bool(words) and all(w in vocabulary for w in words)

    localized, concepts = load_glossary().localize(text, lang, understood)
    return localized, [concept_token(c) for c in concepts]


def normalize(text: str, lang: str, concepts: ConceptMode = "all") -> List[str]:
    """Returns the index terms of a text in a language.

    Args:
        text: any text (article field, user question).
        lang: the language whose lemmatizer, stop words and stemmer apply.
        concepts: which glossary concept tokens to append (see ``ConceptMode``).

    Returns:
        Lemmas without stop words or accents, in text order, then one
        ``concept:<id>`` token per glossary term found.
    """
    if concepts == "none":
        return list(_normalize_cached(text, lang))
    return list(_concepts_cached(text, lang, concepts))


def warm_up(languages: Iterable[str]) -> None:
    """Builds each language's spaCy pipeline, stemmer and glossary phrases now.

    They are built on first use, which costs seconds per language (spaCy's lookup
    tables, pymorphy3's dictionaries): a server calls this before it says it is ready,
    so that no user's first message in a language pays for it. A search for a message
    in one language also normalises it in the others, so every language is needed.
    """
    for lang in languages:
        normalize("warm up", lang, "all")
