"""KB search quality and speed.

Quality on data/kb_eval/<lang>.tsv (question<TAB>expected id, "-" = no answer):
hit@1, hit@3 and MRR per language for the shipped hybrid search, lexical-only,
dense-only, and two baselines: (a) rapidfuzz token_set_ratio over titles,
(b) plain BM25 (rank-bm25) over lower-cased whitespace tokens. For the shipped search,
"no-answer" is the share of unanswerable questions it correctly declines.

Speed: p50/p95 search latency on the catalogue, and on a synthetic 10,000-article
index (its build time and memory too). Hybrid latency is reported twice: as the
assistant runs it, reusing the message's e5 vector that the NLU pipeline already
computed ("vector from NLU"), and with the search embedding the query itself.

    .venv/bin/python bench/kb_eval.py [--synthetic 10000] [--skip-synthetic]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz

from kb_index.articles import LANGUAGES, Article, load_articles
from kb_index.build import (
    DEFAULT_BUILD,
    DEFAULT_SOURCE,
    build_index,
    current_version,
    source_fingerprint,
)
from kb_index.embedding import e5_passages, e5_queries
from kb_index.search import KBIndex, SearchConfig

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "data" / "kb_eval"
Ranker = Callable[[str, str], List[str]]


def load_eval(lang: str) -> List[Tuple[str, Optional[str]]]:
    rows = []
    for line in (EVAL_DIR / f"{lang}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, expected = line.split("\t")
        rows.append((question.strip(), None if expected.strip() == "-" else expected.strip()))
    return rows


def metrics(ranker: Ranker, lang: str, rows) -> Dict[str, float]:
    answerable = [(q, e) for q, e in rows if e]
    hit1 = hit3 = rr = 0.0
    for question, expected in answerable:
        ranked = ranker(question, lang)
        if ranked[:1] == [expected]:
            hit1 += 1
        if expected in ranked[:3]:
            hit3 += 1
        if expected in ranked:
            rr += 1.0 / (ranked.index(expected) + 1)
    n = len(answerable)
    return {"hit@1": hit1 / n, "hit@3": hit3 / n, "mrr": rr / n, "n": n}


def title_baseline(articles: List[Article]) -> Ranker:
    def rank(question: str, lang: str) -> List[str]:
        scored = [(fuzz.token_set_ratio(question.lower(), a.title.lower()), a.id)
                  for a in articles if a.lang == lang]
        return [article_id for _, article_id in sorted(scored, key=lambda s: -s[0])]
    return rank


def bm25_baseline(articles: List[Article]) -> Ranker:
    per_lang = {}
    for lang in LANGUAGES:
        docs = [a for a in articles if a.lang == lang]
        corpus = [f"{a.title} {' '.join(a.questions)} {a.body}".lower().split() for a in docs]
        per_lang[lang] = (BM25Okapi(corpus), [a.id for a in docs])

    def rank(question: str, lang: str) -> List[str]:
        model, ids = per_lang[lang]
        scores = model.get_scores(question.lower().split())
        return [ids[i] for i in sorted(range(len(ids)), key=lambda i: -scores[i])]
    return rank


def index_ranker(index: KBIndex, config: SearchConfig) -> Ranker:
    return lambda question, lang: [h.id for h in index.search(question, lang, 10, config)]


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def latency(index: KBIndex, queries: List[Tuple[str, str]], repeat: int = 3,
            vectors: Optional[Dict[str, np.ndarray]] = None) -> Tuple[float, float]:
    """p50 and p95 in ms; with ``vectors`` each search gets its query's precomputed vector."""
    for question, lang in queries[:10]:
        index.search(question, lang)
    timings = []
    for _ in range(repeat):
        for question, lang in queries:
            vector = vectors[question] if vectors is not None else None
            start = time.perf_counter()
            index.search(question, lang, query_vector=vector)
            timings.append(1000 * (time.perf_counter() - start))
    return statistics.median(timings), percentile(timings, 0.95)


def nlu_vectors(queries: List[Tuple[str, str]]) -> Dict[str, np.ndarray]:
    """The vectors the NLU pipeline publishes for these messages (same e5 query embedding)."""
    texts = sorted({question for question, _ in queries})
    return dict(zip(texts, e5_queries(texts), strict=True))


def latency_line(label: str, index: KBIndex, queries: List[Tuple[str, str]],
                 repeat: int) -> str:
    """Hybrid latency with and without the NLU vector, and lexical-only latency."""
    p50_nlu, p95_nlu = latency(index, queries, repeat, nlu_vectors(queries))
    p50, p95 = latency(index, queries, repeat)
    lexical = KBIndex(index=index.index, vectors=None, embed_query=None)
    p50_lex, p95_lex = latency(lexical, queries, repeat)
    return (f"{label}: hybrid with the vector from NLU p50 {p50_nlu:.2f} ms, p95 {p95_nlu:.2f} ms;"
            f" hybrid embedding the query p50 {p50:.2f} ms, p95 {p95:.2f} ms;"
            f" lexical-only p50 {p50_lex:.2f} ms, p95 {p95_lex:.2f} ms")


def synthetic_articles(real: List[Article], count: int) -> List[Article]:
    rng = random.Random(13)
    words = {lang: " ".join(f"{a.title} {a.body}" for a in real if a.lang == lang).split()
             for lang in LANGUAGES}
    made = []
    for number in range(count):
        base = real[number % len(real)]
        vocabulary = words[base.lang]

        def text(n: int, vocabulary: List[str] = vocabulary) -> str:
            return " ".join(rng.choice(vocabulary) for _ in range(n))
        made.append(Article(
            id=f"synthetic-{number}", lang=base.lang, title=text(5), summary=text(20),
            tags=tuple(text(1) for _ in range(3)), questions=tuple(text(8) for _ in range(5)),
            related=(), slug=f"synthetic-{number}", body=text(120), path=base.path,
        ))
    return made


def load_current_index() -> KBIndex:
    """Uses kb_index/build when it matches the articles; builds a temporary one otherwise."""
    version = current_version(DEFAULT_BUILD)
    if version is not None:
        index = KBIndex.load(version)
        if index.index["fingerprint"] == source_fingerprint(DEFAULT_SOURCE):
            return index
    with tempfile.TemporaryDirectory() as tmp:
        return KBIndex.load(build_index(DEFAULT_SOURCE, Path(tmp)).path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--only-synthetic", action="store_true")
    args = parser.parse_args()

    articles = load_articles(DEFAULT_SOURCE)
    index = load_current_index()
    evals = {lang: load_eval(lang) for lang in LANGUAGES}
    queries = [(q, lang) for lang in LANGUAGES for q, _ in evals[lang]]
    if not args.only_synthetic:
        report_quality_and_speed(index, articles, evals, queries)
    if not args.skip_synthetic:
        report_synthetic(articles, queries, args.synthetic)
    return 0


def report_quality_and_speed(index: KBIndex, articles: List[Article], evals: dict,
                             queries: List[Tuple[str, str]]) -> None:
    systems: Dict[str, Ranker] = {
        "hybrid (shipped)": index_ranker(index, SearchConfig()),
        "lexical only": index_ranker(index, SearchConfig(dense=False)),
        "dense only": index_ranker(index, SearchConfig(lexical=False)),
        "(a) fuzzy titles": title_baseline(articles),
        "(b) plain BM25": bm25_baseline(articles),
    }
    print(f"{'system':<18} {'lang':<4} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}")
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    for name, ranker in systems.items():
        results[name] = {}
        for lang in LANGUAGES:
            m = metrics(ranker, lang, evals[lang])
            results[name][lang] = m
            print(f"{name:<18} {lang:<4} {m['n']:>3.0f} {m['hit@1']:>6.3f} {m['hit@3']:>6.3f} "
                  f"{m['mrr']:>6.3f}")
    shipped = SearchConfig()
    print("\nno-answer questions correctly declined by the shipped search (no confident hit):")
    for lang in LANGUAGES:
        unanswerable = [q for q, e in evals[lang] if e is None]
        declined = 0
        for question in unanswerable:
            hits = index.search(question, lang, 1, shipped)
            if not hits or not index.is_confident(hits[0].lexical, hits[0].dense, shipped):
                declined += 1
        answerable = [q for q, e in evals[lang] if e]
        answered = sum(
            1 for q in answerable
            if (h := index.search(q, lang, 1, shipped)) and
            index.is_confident(h[0].lexical, h[0].dense, shipped))
        print(f"  {lang}: declined {declined}/{len(unanswerable)}; answerable questions answered "
              f"confidently {answered}/{len(answerable)}")

    print()
    print(latency_line(f"catalogue ({len(articles)} articles, {len(queries)} queries x 3)",
                       index, queries, repeat=3))



def report_synthetic(articles: List[Article], queries: List[Tuple[str, str]], count: int
                     ) -> None:
    synthetic = synthetic_articles(articles, count)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = build_index(Path(tmp) / "none", Path(tmp), embed=e5_passages,
                             articles=synthetic)
        build_seconds = time.perf_counter() - started
        loaded = time.perf_counter()
        big = KBIndex.load(report.path)
        load_seconds = time.perf_counter() - loaded
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"synthetic {len(synthetic)} articles: build {build_seconds:.1f}s "
          f"({report.vectors} vectors), load {load_seconds:.1f}s, "
          f"peak RSS {rss_before:.0f} -> {rss_after:.0f} MiB")
    print(latency_line(f"synthetic {len(synthetic)} ({len(queries)} queries x 1)", big, queries,
                       repeat=1))

if __name__ == "__main__":
    raise SystemExit(main())
