"""Ranking on a tiny fixture KB: lexical, fuzzy, dense, cross-language fallback, hot reload."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb_index.build import build_index, current_version
from kb_index.search import KBIndex, SearchConfig, Searcher

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
# The fixture KB is tiny, so its BM25 scores are small: a lower confidence bar.
LEXICAL = SearchConfig(dense=False, min_lexical=1.0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("kb-build")
    build_index(FIXTURES, out)
    return out


@pytest.fixture(scope="module")
def index(built):
    return KBIndex.load(current_version(built))


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("не могу показать экран", "ru", "screen-sharing"),
        ("где мои записи конференций?", "ru", "recording"),
        ("забыл пароль от аккаунта", "ru", "sign-in-password"),
        ("jeg har glemt passordet", "nb", "sign-in-password"),
        ("how do I share my screen", "en", "screen-sharing"),
        ("where are recordings saved", "en", "recording"),
    ],
)
def test_lexical_ranking(index, query, lang, expected):
    hits = index.search(query, lang, k=3, config=LEXICAL)
    assert hits[0].id == expected and hits[0].lang == lang


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("forgot my pasword", "en", "sign-in-password"),
        ("how to share my scren", "en", "screen-sharing"),
        ("не могу показать экарн", "ru", "screen-sharing"),
    ],
)
def test_typos_still_match(index, query, lang, expected):
    assert index.search(query, lang, k=3, config=LEXICAL)[0].id == expected


def test_dense_ranking_matches_paraphrases(index):
    hits = index.search("put my slides on everyone's monitor", "en", k=3,
                        config=SearchConfig(lexical=False))
    assert hits[0].id == "screen-sharing"


def test_cross_language_fallback_answers_in_the_users_language(index):
    # An English question in a Russian conversation: nothing in Russian matches lexically.
    hits = index.search("where are my recordings saved", "ru", k=3, config=LEXICAL)
    assert (hits[0].id, hits[0].lang, hits[0].matched_lang) == ("recording", "ru", "en")
    without = index.search("where are my recordings saved", "ru", k=3,
                           config=SearchConfig(dense=False, min_lexical=1.0,
                                               cross_language_fallback=False))
    assert not without or without[0].matched_lang == "ru"


def test_hits_carry_what_the_api_promises(index):
    hit = index.search("how do I record a meeting", "en", k=1)[0]
    assert hit.as_dict().keys() >= {"id", "lang", "score", "title", "summary", "url"}
    assert hit.url == "/en/articles/record-meeting" and hit.score > 0


def test_unknown_language_and_empty_query(index):
    with pytest.raises(ValueError, match="unknown language 'de'"):
        index.search("hallo", "de")
    assert index.search("   ", "en") == []


def test_searcher_picks_up_a_rebuilt_index(tmp_path):
    source = tmp_path / "kb"
    shutil.copytree(FIXTURES, source)
    out = tmp_path / "build"
    build_index(source, out, embed=None)
    searcher = Searcher(out, embed_query=None)
    assert searcher.search("record a meeting", "en", 1)[0].title == "Recording a meeting"
    article = source / "en" / "recording.md"
    article.write_text(article.read_text().replace("title: Recording a meeting",
                                                   "title: Recording meetings"))
    build_index(source, out, embed=None)
    assert searcher.search("record a meeting", "en", 1)[0].title == "Recording meetings"
    assert len(list(out.glob("v*"))) == 2


def test_missing_index_gives_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m kb_index build"):
        Searcher(tmp_path / "nothing").search("x", "en")


def test_a_supplied_query_vector_replaces_embedding(index):
    """The action reuses the NLU pipeline's vector: same ranking, no second embedding."""
    from kb_index.embedding import e5_model_id, e5_query, pack

    query = "put my slides on everyone's monitor"
    dense_only = SearchConfig(lexical=False)
    expected = [h.id for h in index.search(query, "en", k=3, config=dense_only)]
    vector = index.query_vector(pack(e5_query(query), e5_model_id()))
    assert vector is not None

    def must_not_embed(text):
        raise AssertionError("the query was embedded again")

    reusing = KBIndex(index=index.index, vectors=index.vectors, embed_query=must_not_embed)
    hits = reusing.search(query, "en", k=3, config=dense_only, query_vector=vector)
    assert [h.id for h in hits] == expected


def test_a_vector_from_another_model_is_not_used(index):
    from kb_index.embedding import pack

    assert index.query_vector(pack(index.vectors[0], "some-other-model")) is None
    lexical_only = KBIndex(index=index.index, vectors=None, embed_query=None)
    assert lexical_only.query_vector(pack(index.vectors[0], "x")) is None
