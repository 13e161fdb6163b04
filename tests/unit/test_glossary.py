"""The product glossary: its checker, its coverage of the KB, and term matching."""

from __future__ import annotations

import copy

import pytest
import yaml

from kb_index.articles import LANGUAGES, load_articles
from kb_index.build import DEFAULT_SOURCE, article_fields
from kb_index.glossary import GLOSSARY_FILE, Glossary, GlossaryError, load_glossary, validate
from kb_index.normalize import concept_token, normalize
from tests.conftest import PROJECT_ROOT

CATALOGUE = PROJECT_ROOT.parent / "shared" / "kb-catalogue.yml"
GLOSSARY = load_glossary()

VALID_ENTRY = {
    "id": "breakout-rooms",
    "articles": ["breakout-rooms"],
    "ru": ["сессионные залы"],
    "nb": ["grupperom"],
    "fr": ["salles de sous-groupes"],
    "it": ["sale per gruppi di lavoro"],
    "en": ["breakout rooms"],
    "typed": ["breakouts"],
}


def entry(**changes):
    changed = copy.deepcopy(VALID_ENTRY)
    for key, value in changes.items():
        if value is None:
            changed.pop(key)
        else:
            changed[key] = value
    return changed


def test_the_shipped_glossary_is_valid():
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    assert validate(data) == []
    assert len(GLOSSARY.concepts) >= 40


def test_a_valid_entry_passes_the_checker():
    assert validate({"concepts": [entry()]}) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_entry_missing_a_language_fails_the_check(lang):
    for broken in (entry(**{lang: None}), entry(**{lang: []}), entry(**{lang: ["  "]})):
        with pytest.raises(GlossaryError, match=f"language '{lang}' needs at least one term"):
            Glossary.from_data({"concepts": [broken]})


@pytest.mark.parametrize(
    ("concepts", "problem"),
    [
        ([entry(id="Breakout Rooms")], "'id' must be kebab-case"),
        ([entry(), entry()], "duplicate id"),
        ([entry(), entry(id="other", en=["Breakout  Rooms"])], "also belongs to 'breakout-rooms'"),
        ([entry(synonyms=["x"])], "unknown keys ['synonyms']"),
        ([entry(typed="breakouts")], "'typed' must be a list of strings"),
        ([entry(fr=["!!!"])], "has no letters"),
        (["breakout rooms"], "not a mapping"),
    ],
)
def test_the_checker_names_each_problem(concepts, problem):
    with pytest.raises(GlossaryError) as error:
        Glossary.from_data({"concepts": concepts})
    assert any(problem in p for p in error.value.problems), error.value.problems


def test_a_file_without_concepts_is_refused():
    with pytest.raises(GlossaryError, match="'concepts' list"):
        Glossary.from_data({"terms": []})


def test_every_product_feature_of_the_catalogue_has_a_concept():
    if not CATALOGUE.exists():
        pytest.skip(f"{CATALOGUE} is not beside the repository")
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    covered = {article for concept in GLOSSARY.concepts for article in concept.articles}
    missing = [e["id"] for e in catalogue["product"] if e["id"] not in covered]
    assert not missing


def test_concepts_point_at_existing_articles():
    ids = {article.id for article in load_articles(DEFAULT_SOURCE)}
    unknown = {(c.id, a) for c in GLOSSARY.concepts for a in c.articles if a not in ids}
    assert not unknown


@pytest.fixture(scope="module")
def article_terms():
    return {(a.id, a.lang): set(normalize("\n".join(article_fields(a).values()), a.lang))
            for a in load_articles(DEFAULT_SOURCE)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_concept_article_names_the_concept_in_every_language(article_terms, lang):
    """Otherwise the article gets no concept token in that language: the search mapping
    from another language's words would miss it."""
    missing = [(c.id, article) for c in GLOSSARY.concepts for article in c.articles
               if concept_token(c.id) not in article_terms[(article, lang)]]
    assert not missing


@pytest.mark.parametrize(
    ("text", "remaining", "concepts"),
    [
        ("у меня не работает Breakout Rooms", "у меня не работает", ["breakout-rooms"]),
        ("jeg finner ikke grupperom", "jeg finner ikke", ["breakout-rooms"]),
        ("je n’arrive pas à lancer le partage d'écran", "je n’arrive pas à lancer le",
         ["screen-sharing"]),
        ("il mio screen sharing non va", "il mio non va", ["screen-sharing"]),
        ("Where is the WAITING ROOM?", "Where is the ?", ["waiting-room"]),
        # Accents typed or not, plural endings the entry does not list.
        ("le partage d'ecran et les co-hôtes", "le et les", ["screen-sharing", "co-host"]),
        ("ho perso la chiave host", "ho perso la", ["host-key"]),
        # The longest term wins; words inside other words are not terms.
        ("breakout rooms", "", ["breakout-rooms"]),
        ("chatbots and chatterboxes", "and chatterboxes", ["virtual-assistant"]),
    ],
)
def test_strip_removes_terms_of_any_language(text, remaining, concepts):
    left, found = GLOSSARY.strip(text)
    assert " ".join(left.split()) == remaining
    assert found == concepts


@pytest.mark.parametrize(
    "text",
    ["у меня не работает breakout rooms", "hvor er ?", "où ? !", "il mio - non va", "  ", ""],
)
def test_an_empty_glossary_changes_nothing(text):
    empty = Glossary([])
    assert empty.strip(text) == (text, [])
    assert empty.localize(text, "fr") == (text, [])
