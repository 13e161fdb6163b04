"""The product glossary (``data/glossary.yml``): one concept, its names in five languages.

Two consumers:

- the NLU language detector removes every glossary term, in any language, before it
  measures a message's language (``Glossary.strip``): an English feature name inside a
  French sentence, or a message made only of feature names, is no evidence of English;
- the KB index adds a language-neutral concept token wherever a term appears
  (``kb_index.normalize``), so a question naming a feature in another language's words
  still meets the article that names it in the user's language.

Loading validates the file and raises ``GlossaryError`` listing every problem; the
build, the detector and ``tests/unit/test_glossary.py`` all refuse a broken glossary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypedDict

import yaml

GLOSSARY_LANGUAGES = ("ru", "nb", "fr", "it", "en")
GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "glossary.yml"
CONCEPT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A word of a term or a message: letters and digits; anything else separates words, so
# "partage d’écran", "partage d'écran" and "break-out rooms" all match their entries.
SURFACE_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class GlossaryError(ValueError):
    """The glossary file is broken; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("glossary: " + "; ".join(problems))
        self.problems = list(problems)


class ConceptEntry(TypedDict, total=False):
    """One entry of ``data/glossary.yml`` as written (see the file's header)."""

    id: str
    articles: List[str]
    ru: List[str]
    nb: List[str]
    fr: List[str]
    it: List[str]
    en: List[str]
    typed: List[str]


@dataclass(frozen=True)
class Concept:
    """One product concept and its names.

    Attributes:
        id: kebab-case concept id.
        articles: ids of the KB articles about the concept (may be empty).
        terms: language code -> the concept's names in that language.
        typed: other forms users type in any language (abbreviations, spellings).
    """

    id: str
    articles: Tuple[str, ...]
    terms: Mapping[str, Tuple[str, ...]]
    typed: Tuple[str, ...]

    def all_terms(self) -> Tuple[str, ...]:
        """Every form of the concept: the five languages' names, then the typed forms."""
        forms: List[str] = []
        for lang in GLOSSARY_LANGUAGES:
            forms.extend(self.terms[lang])
        forms.extend(self.typed)
        return tuple(dict.fromkeys(forms))


def fold(text: str) -> str:
    """Lower-cases and removes diacritics: "Écran" -> "ecran", "ё" -> "е", "møte" stays."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def surface_words(text: str) -> Tuple[str, ...]:
    """The folded words of a text, as the surface matcher compares them."""
    return tuple(SURFACE_WORD.findall(fold(text)))


def _string_list(value: Any) -> List[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


def validate(data: Any) -> List[str]:
    """Returns every problem of a parsed glossary file (empty when it is valid).

    Args:
        data: the YAML document, ``{"concepts": [ConceptEntry, ...]}``.

    Returns:
        Human-readable problems: a missing or empty language, a malformed id, a
        duplicate id, a term that belongs to two concepts, an unknown key.
    """
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        return ["the file must be a mapping with a 'concepts' list"]
    problems: List[str] = []
    seen_ids: set = set()
    owner_of_term: Dict[Tuple[str, ...], str] = {}
    allowed = {"id", "articles", "typed", *GLOSSARY_LANGUAGES}
    for number, entry in enumerate(data["concepts"], start=1):
        if not isinstance(entry, dict):
            problems.append(f"entry {number}: not a mapping")
            continue
        concept_id = entry.get("id")
        where = f"concept {concept_id!r}" if concept_id else f"entry {number}"
        if not isinstance(concept_id, str) or not CONCEPT_ID.match(concept_id):
            problems.append(f"{where}: 'id' must be kebab-case")
        elif concept_id in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(concept_id)
        unknown = sorted(set(entry) - allowed)
        if unknown:
            problems.append(f"{where}: unknown keys {unknown}")
        for key in ("articles", "typed"):
            if key in entry and _string_list(entry[key]) is None:
                problems.append(f"{where}: '{key}' must be a list of strings")
        for lang in GLOSSARY_LANGUAGES:
            terms = _string_list(entry.get(lang))
            if not terms or not all(t.strip() for t in terms):
                problems.append(f"{where}: language '{lang}' needs at least one term")
        for term in _entry_terms(entry):
            words = surface_words(term)
            if not words:
                problems.append(f"{where}: term {term!r} has no letters")
                continue
            owner = owner_of_term.setdefault(words, str(concept_id))
            if owner != concept_id:
                problems.append(f"{where}: term {term!r} also belongs to {owner!r}")
    return problems


def _entry_terms(entry: Mapping[str, Any]) -> List[str]:
    terms: List[str] = []
    for key in (*GLOSSARY_LANGUAGES, "typed"):
        terms.extend(_string_list(entry.get(key)) or [])
    return list(dict.fromkeys(terms))


class Glossary:
    """The loaded glossary: its concepts and a surface matcher over every term."""

    def __init__(self, concepts: Sequence[Concept]) -> None:
        """Wraps validated concepts (use ``load`` or ``from_data``)."""
        self.concepts: Tuple[Concept, ...] = tuple(concepts)
        self._by_id = {c.id: c for c in self.concepts}

    @classmethod
    def from_data(cls, data: Any) -> Glossary:
        """Builds a glossary from a parsed YAML document.

        Raises:
            GlossaryError: when ``validate`` finds any problem.
        """
        problems = validate(data)
        if problems:
            raise GlossaryError(problems)
        concepts = []
        for entry in data["concepts"]:
            concepts.append(Concept(
                id=entry["id"],
                articles=tuple(entry.get("articles") or ()),
                terms={lang: tuple(dict.fromkeys(entry[lang])) for lang in GLOSSARY_LANGUAGES},
                typed=tuple(entry.get("typed") or ()),
            ))
        return cls(concepts)

    @classmethod
    def load(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        """Reads and validates a glossary file.

        Raises:
            GlossaryError: the file is broken.
            FileNotFoundError: there is no such file.
        """
        return cls.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))

    def concept(self, concept_id: str) -> Concept:
        """Returns one concept by id (``KeyError`` if unknown)."""
        return self._by_id[concept_id]

    @cached_property
    def _surface(self) -> Tuple[re.Pattern, Dict[Tuple[str, ...], str]]:
        concept_of: Dict[Tuple[str, ...], str] = {}
        for concept in self.concepts:
            for term in concept.all_terms():
                concept_of.setdefault(surface_words(term), concept.id)
        # Longest first, so "breakout rooms" wins over "breakout".
        keys = sorted(concept_of, key=lambda words: (-len(words), -len(" ".join(words))))
        alternatives = []
        for words in keys:
            body = r"[\W_]+".join(re.escape(w) for w in words)
            # A plural or elided ending is still the term: "webinars", "hosts".
            if re.search(r"[a-z]$", words[-1]):
                body += "(?:e?s)?"
            alternatives.append(body)
        if not alternatives:  # an empty glossary matches nothing (not the empty string)
            return re.compile(r"(?!)"), concept_of
        pattern = re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})(?![^\W_])", re.UNICODE)
        return pattern, concept_of

    def strip(self, text: str) -> Tuple[str, List[str]]:
        """Removes every glossary term (any language, any case or accents) from a text.

        Args:
            text: a user message.

        Returns:
            The text with each term replaced by a space (the rest untouched, accents
            included), and the ids of the concepts found, in order of appearance.
        """
        pattern, concept_of = self._surface
        found: List[str] = []
        pieces: List[str] = []
        position = 0
        for match in pattern.finditer(_fold_in_place(text)):
            found.append(self._concept_of_match(match.group(0), concept_of))
            pieces.append(text[position:match.start()])
            pieces.append(" ")
            position = match.end()
        pieces.append(text[position:])
        return "".join(pieces), found

    @cached_property
    def _native_surfaces(self) -> Dict[str, set]:
        return {lang: {surface_words(t) for c in self.concepts for t in c.terms[lang]}
                for lang in GLOSSARY_LANGUAGES}

    def localize(self, text: str, lang: str,
                 understood: Optional[Callable[[str], bool]] = None) -> Tuple[str, List[str]]:
        """Replaces terms that are not ``lang``'s own with the concept's ``lang`` name.

        "у меня не работает breakout rooms" becomes "у меня не работает сессионные
        залы" in Russian; the language's own names stay as written.

        Args:
            text: a user question.
            lang: the language the question is answered in.
            understood: says whether a term as written is already understood in
                ``lang`` (its words occur in that language's articles: "Business",
                "SSO", "FAQ"); such terms stay too.

        Returns:
            The rewritten text and the ids of the concepts that were replaced.
        """
        pattern, concept_of = self._surface
        native = self._native_surfaces[lang]
        replaced: List[str] = []
        pieces: List[str] = []
        position = 0
        for match in pattern.finditer(_fold_in_place(text)):
            concept_id = self._concept_of_match(match.group(0), concept_of)
            words = surface_words(match.group(0))
            own = words in native or any(
                words[:-1] + (words[-1][: -len(end)],) in native
                for end in ("es", "s") if words[-1].endswith(end))
            written = text[match.start():match.end()]
            if not concept_id or own or (understood is not None and understood(written)):
                continue
            replaced.append(concept_id)
            pieces.append(text[position:match.start()])
            pieces.append(self._by_id[concept_id].terms[lang][0])
            position = match.end()
        pieces.append(text[position:])
        return "".join(pieces), replaced

    @staticmethod
    def _concept_of_match(matched: str, concept_of: Mapping[Tuple[str, ...], str]) -> str:
        words = surface_words(matched)
        if not words or words in concept_of:
            return concept_of.get(words, "")
        # Matched with a plural ending the entry does not list.
        for ending in ("es", "s"):
            if words[-1].endswith(ending):
                singular = (*words[:-1], words[-1][: -len(ending)])
                if singular in concept_of:
                    return concept_of[singular]
        return ""


def _fold_in_place(text: str) -> str:
    """``fold`` character by character, keeping every index of ``text`` valid."""
    folded = []
    for ch in text:
        lowered = fold(ch)
        folded.append(lowered if len(lowered) == 1 else ch)
    return "".join(folded)


@lru_cache(maxsize=4)
def load_glossary(path: Path = GLOSSARY_FILE) -> Glossary:
    """The glossary at ``path``, read once per process."""
    return Glossary.load(path)
