"""The KB build through the e5 vector cache: the same index, bit for bit, and less work."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from kb_index import embedding
from kb_index.answer_model import MODEL_META_FILE, MODEL_WEIGHTS_FILE
from kb_index.build import INDEX_FILE, VECTORS_FILE, build_index, current_version
from kb_index.vector_cache import CACHE_ENV, CACHE_FILE, PASSAGE, QUERY, E5VectorCache

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb" / "en"


@pytest.fixture(autouse=True)
def no_default_cache(monkeypatch):
    """A build in these tests never touches the project's var/cache."""
    monkeypatch.setenv(CACHE_ENV, "off")


@pytest.fixture()
def source(tmp_path) -> Path:
    folder = tmp_path / "kb" / "en"
    folder.mkdir(parents=True)
    for path in sorted(FIXTURES.glob("*.md")):
        shutil.copy(path, folder / path.name)
    return tmp_path / "kb"


@pytest.fixture()
def no_article(tmp_path) -> Path:
    folder = tmp_path / "no_article"
    folder.mkdir()
    (folder / "en.txt").write_text("best banana bread recipe\nwhat's the weather?\n",
                                   encoding="utf-8")
    return folder


def _build(source: Path, out: Path, no_article: Path, cache) -> Dict[str, bytes]:
    build_index(source, out, no_article=no_article, e5_cache=cache)
    version = current_version(out)
    assert version is not None
    files = {name: (version / name).read_bytes()
             for name in (INDEX_FILE, VECTORS_FILE, MODEL_META_FILE)}
    # np.savez stamps the time in its zip entries: compare the arrays' bytes instead.
    with np.load(version / MODEL_WEIGHTS_FILE) as weights:
        for name in weights.files:
            array = weights[name]
            files[f"{MODEL_WEIGHTS_FILE}:{name}"] = (
                f"{array.dtype}{array.shape}".encode() + array.tobytes())
    return files


def _counting(monkeypatch) -> Dict[str, List[str]]:
    calls: Dict[str, List[str]] = {QUERY: [], PASSAGE: []}
    real_queries, real_passages = embedding.e5_queries, embedding.e5_passages

    def queries(texts, batch_size=64):
        calls[QUERY].extend(texts)
        return real_queries(texts, batch_size)

    def passages(texts, batch_size=64):
        calls[PASSAGE].extend(texts)
        return real_passages(texts, batch_size)

    monkeypatch.setattr(embedding, "e5_queries", queries)
    monkeypatch.setattr(embedding, "e5_passages", passages)
    return calls


def test_the_index_is_bit_identical_with_and_without_the_cache(source, no_article,
                                                              tmp_path, monkeypatch):
    uncached = _build(source, tmp_path / "plain", no_article, cache=False)
    cache = tmp_path / "cache"
    # Partly warm: a build of one article filled the cache first, in other batches.
    one = tmp_path / "one" / "en"
    one.mkdir(parents=True)
    shutil.copy(FIXTURES / "sign-in-password.md", one)
    _build(one.parent, tmp_path / "build-one", no_article, cache=cache)
    partly = _build(source, tmp_path / "partly", no_article, cache=cache)
    calls = _counting(monkeypatch)
    warm = _build(source, tmp_path / "warm", no_article, cache=cache)

    assert calls == {QUERY: [], PASSAGE: []}  # nothing embedded at all
    assert sorted(partly) == sorted(uncached) == sorted(warm)
    for name, data in uncached.items():
        assert partly[name] == data, name
        assert warm[name] == data, name


def test_queries_and_passages_are_cached_apart(source, no_article, tmp_path):
    cache = tmp_path / "cache"
    _build(source, tmp_path / "build", no_article, cache=cache)
    # An article's questions are embedded both as passages and as answer-model queries.
    text = "how do I record a meeting"
    queries = E5VectorCache(cache / CACHE_FILE, embedding.e5_model_id(), kind=QUERY)
    passages = E5VectorCache(cache / CACHE_FILE, embedding.e5_model_id(), kind=PASSAGE)
    as_query, as_passage = queries.get_many([text]), passages.get_many([text])
    assert as_query[text].tobytes() == embedding.e5_queries([text])[0].tobytes()
    assert as_passage[text].tobytes() == embedding.e5_passages([text])[0].tobytes()
    assert as_query[text].tobytes() != as_passage[text].tobytes()


def test_a_changed_article_embeds_only_its_new_texts(source, no_article, tmp_path,
                                                     monkeypatch):
    cache = tmp_path / "cache"
    _build(source, tmp_path / "build", no_article, cache=cache)
    article = sorted(source.glob("en/*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8").replace(
        "questions:\n", "questions:\n  - A brand new question?\n", 1), encoding="utf-8")
    calls = _counting(monkeypatch)
    _build(source, tmp_path / "build", no_article, cache=cache)
    assert calls == {QUERY: ["A brand new question?"], PASSAGE: ["A brand new question?"]}


def test_the_default_cache_follows_the_environment(source, no_article, tmp_path,
                                                   monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env-cache"))
    build_index(source, tmp_path / "build", no_article=no_article)
    assert (tmp_path / "env-cache" / CACHE_FILE).is_file()
