"""Builds the persisted KB index: BM25F postings, e5 article embeddings, the answer model."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from kb_index.answer_model import NO_ARTICLE, AnswerModel, load_no_article_questions
from kb_index.articles import LANGUAGES, Article, load_articles
from kb_index.embedding import e5_model_id, e5_passages, e5_queries
from kb_index.normalize import normalize
from kb_index.vector_cache import cache_directory, cached_e5_passages, cached_e5_queries

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
DEFAULT_SOURCE = PROJECT_ROOT / "data" / "kb"
DEFAULT_BUILD = PACKAGE_DIR / "build"
DEFAULT_NO_ARTICLE = PROJECT_ROOT / "data" / "kb_no_article"
INDEX_FILE = "index.json"
CURRENT_FILE = "CURRENT"
VECTORS_FILE = "vectors.npy"
FORMAT_VERSION = 1

# How much a term found in each field counts (BM25F field weights).
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "tags": 2.0, "summary": 1.5, "body": 1.0}

Embedder = Callable[[Sequence[str]], np.ndarray]


def article_fields(article: Article) -> Dict[str, str]:
    """Returns the searchable text of each field."""
    return {
        "title": article.title,
        "questions": "\n".join(article.questions),
        "tags": " ".join(article.tags),
        "summary": article.summary,
        "body": article.body,
    }


def dense_passages(article: Article) -> List[str]:
    """Returns the texts embedded for an article: its title with summary, and each question."""
    return [f"{article.title}. {article.summary}", *article.questions]


def source_fingerprint(source: Path, no_article: Optional[Path] = None) -> str:
    """Hashes the article files and the no-article questions: a build knows it is stale."""
    digest = hashlib.sha256()
    for path in sorted(source.glob("*/*.md")):
        digest.update(str(path.relative_to(source)).encode())
        digest.update(path.read_bytes())
    for path in sorted(no_article.glob("*.txt")) if no_article is not None else []:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def answer_model_examples(articles: Sequence[Article], no_article: Sequence[str]
                          ) -> Tuple[List[str], List[str]]:
    """The answer model's training set: (messages, labels), every language together."""
    texts: List[str] = []
    labels: List[str] = []
    for article in articles:
        for text in (article.title, *article.questions):
            texts.append(text)
            labels.append(article.id)
    texts.extend(no_article)
    labels.extend([NO_ARTICLE] * len(no_article))
    return texts, labels


@dataclass
class BuildReport:
    """What a build produced."""

    articles: int
    languages: int
    vectors: int
    seconds: float
    path: Path


def build_index(
    source: Path = DEFAULT_SOURCE,
    out: Path = DEFAULT_BUILD,
    embed: Optional[Embedder] = e5_passages,
    articles: Optional[List[Article]] = None,
    embedding_model: str = "",
    embed_queries: Optional[Embedder] = None,
    no_article: Path = DEFAULT_NO_ARTICLE,
    e5_cache: Union[bool, Path] = True,
) -> BuildReport:
    """Loads, validates and indexes every article, then writes the index atomically.

    Args:
        source: folder with ``<lang>/<id>.md`` articles.
        out: folder receiving ``index.json`` and ``vectors.npy``.
        embed: passage embedder; None builds a lexical-only index.
        articles: already loaded articles (synthetic benchmarks), instead of ``source``.
        embedding_model: names ``embed``'s model; defaults to e5's id for ``e5_passages``.
            A search only reuses a query vector from the same model.
        embed_queries: query embedder for the answer model (``kb_index.answer_model``);
            defaults to ``e5_queries`` when ``embed`` is ``e5_passages``. No answer model
            is trained without one.
        no_article: folder of ``<lang>.txt`` questions no article answers.
        e5_cache: the vector cache for the e5 embedders (``kb_index.vector_cache``): True
            for ``cache_directory()`` (``HELPBOT_E5_CACHE``), a directory, or False.
            Other embedders are never cached. The vectors are the same either way.
    """
    started = time.perf_counter()
    if articles is None:
        articles = load_articles(source)
    docs: List[dict] = []
    postings: Dict[str, Dict[str, Dict[str, Dict[str, int]]]] = {
        lang: defaultdict(dict) for lang in LANGUAGES}
    field_lengths: Dict[str, Dict[str, List[int]]] = {
        lang: {f: [] for f in FIELD_WEIGHTS} for lang in LANGUAGES}
    passages: List[str] = []
    passage_doc: List[int] = []
    for number, article in enumerate(articles):
        lengths = {}
        for field, text in article_fields(article).items():
            counts = Counter(normalize(text, article.lang))
            lengths[field] = sum(counts.values())
            field_lengths[article.lang][field].append(lengths[field])
            for term, count in counts.items():
                postings[article.lang][term].setdefault(str(number), {})[field] = count
        docs.append({
            "id": article.id, "lang": article.lang, "title": article.title,
            "summary": article.summary, "url": article.url, "related": list(article.related),
            "lengths": lengths,
        })
        for text in dense_passages(article):
            passages.append(text)
            passage_doc.append(number)

    average_lengths = {
        lang: {f: (sum(v) / len(v) if v else 1.0) or 1.0 for f, v in fields.items()}
        for lang, fields in field_lengths.items()
    }
    doc_counts = Counter(doc["lang"] for doc in docs)
    cache = e5_cache if isinstance(e5_cache, Path) else (
        cache_directory() if e5_cache else None)
    if embed_queries is None and embed is e5_passages:
        embed_queries = e5_queries
    if embed_queries is e5_queries:
        # An editor's retrain re-embeds only the questions that changed.
        embed_queries = functools.partial(cached_e5_queries, directory=cache)
    embed_passages = embed
    if embed is e5_passages:
        embed_passages = functools.partial(cached_e5_passages, directory=cache)
    vectors = embed_passages(passages) if embed_passages is not None and passages else None
    model = None
    if embed_queries is not None and vectors is not None:
        texts, labels = answer_model_examples(
            articles, load_no_article_questions(no_article, LANGUAGES))
        model = AnswerModel.train(texts, labels, embed_queries(texts))
    index = {
        "format": FORMAT_VERSION,
        "fingerprint": source_fingerprint(source, no_article) if source.exists() else "",
        "field_weights": FIELD_WEIGHTS,
        "docs": docs,
        "postings": {lang: dict(p) for lang, p in postings.items()},
        "idf": {
            lang: {term: math.log(1 + (doc_counts[lang] - len(p) + 0.5) / (len(p) + 0.5))
                   for term, p in postings[lang].items()}
            for lang in LANGUAGES
        },
        "average_lengths": average_lengths,
        "passage_doc": passage_doc if vectors is not None else [],
        "embedding_model": "" if vectors is None else (
            embedding_model or (e5_model_id() if embed is e5_passages else "unnamed")),
    }
    version_dir = write_version(out, index, vectors, model)
    return BuildReport(
        articles=len(docs), languages=len(doc_counts),
        vectors=0 if vectors is None else len(vectors),
        seconds=time.perf_counter() - started, path=version_dir,
    )


def write_version(out: Path, index: dict, vectors: Optional[np.ndarray],
                  model: Optional[AnswerModel] = None) -> Path:
    """Writes one complete index version, then points ``CURRENT`` at it atomically.

    Readers follow ``CURRENT``, so they never mix the postings of one build with the
    vectors of another; older versions are pruned, keeping the previous one.
    """
    out.mkdir(parents=True, exist_ok=True)
    version_dir = out / f"v{time.time_ns()}"
    version_dir.mkdir()
    (version_dir / INDEX_FILE).write_text(json.dumps(index, ensure_ascii=False),
                                          encoding="utf-8")
    if vectors is not None:
        with (version_dir / VECTORS_FILE).open("wb") as handle:
            np.save(handle, vectors.astype(np.float32))
    if model is not None:
        model.save(version_dir)
    pointer = out / f".{CURRENT_FILE}.tmp"
    pointer.write_text(version_dir.name, encoding="utf-8")
    pointer.replace(out / CURRENT_FILE)
    for old in sorted(out.glob("v*"), key=lambda p: p.name)[:-2]:
        shutil.rmtree(old, ignore_errors=True)
    return version_dir


def current_version(out: Path = DEFAULT_BUILD) -> Optional[Path]:
    """Returns the folder of the index version readers should use, if any."""
    try:
        name = (out / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return out / name if name else None
