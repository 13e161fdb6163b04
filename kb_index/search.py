"""Hybrid KB search: BM25F with fuzzy term matching, e5 dense similarity, rank fusion.

Ranking per language:
- lexical: BM25F over title, questions, tags, summary and body (field weights in
  ``build.FIELD_WEIGHTS``); a query term missing from the vocabulary is matched to
  close vocabulary terms with rapidfuzz, so typos still score;
- dense: cosine between the e5 query embedding and each article's passages (title with
  summary, and every question), the best passage counting;
- fusion: reciprocal-rank fusion of the two rankings.

When the user's language gives no confident hit, the other languages are searched and
the user's-language version of the matched article is returned.

The assistant's chat answer (``KBIndex.answer_hits``) ranks articles with the answer
model (``kb_index.answer_model``) when the index has one, and answers only above
``ANSWER_MIN_PROBABILITY``; the site's search box keeps the hybrid ranking.

Product vocabulary (``data/glossary.yml``): a feature the question names in another
language's words is replaced by the user's-language name before ranking, and the index
carries a language-neutral token per concept (``kb_index.normalize``), so
"у меня не работает breakout rooms" finds «Сессионные залы».
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from kb_index.answer_model import NO_ARTICLE, AnswerModel
from kb_index.build import DEFAULT_BUILD, INDEX_FILE, VECTORS_FILE, current_version
from kb_index.embedding import e5_query, unpack
from kb_index.normalize import is_concept_token, localize_terms, normalize

QueryEmbedder = Callable[[str], np.ndarray]

BM25_K1 = 1.2
BM25_B = 0.75
RRF_K = 10
FUZZY_MIN_SIMILARITY = 80
FUZZY_MIN_LENGTH = 4
# A result list (``relevant_hits``, the site's search box, lexical-only) shows its best hit
# when it scores this much BM25F or matches this share of the query's term weight
# (``Hit.coverage``), then every hit within this fraction of the best. Tuned lexical-only
# on data/kb_eval and tests/fixtures/kb_mixed_queries.tsv: 201/225 answerable questions
# list their article (about two results each), 37/40 unanswerable ones list nothing, 44/44
# mixed-language ones list theirs; single keywords ("password") pass on coverage.
LIST_MIN_LEXICAL = 3.5
LIST_MIN_COVERAGE = 0.4
LIST_FRACTION = 0.5


# The answer rule with an answer model: its probability for the article, or a lower one
# when the hybrid search ranks the same article first with some lexical evidence. Chosen
# on data/kb_eval and the first blind sets (symptoms answered, questions without an
# article declined): 0.4 beat 0.3 and 0.5; the agreement added 5 of 214 symptoms and
# declined the same questions.
ANSWER_MIN_PROBABILITY = 0.4
AGREE_MIN_PROBABILITY = 0.2
AGREE_MIN_SEARCH_LEXICAL = 2.0
# The answer rule of an index without one (``KBIndex.answerable``).
ANSWER_MIN_DENSE = 0.89
AGREE_MIN_DENSE = 0.85
AGREE_MIN_LEXICAL = 1.0


@dataclass(frozen=True)
class Hit:
    """One ranked article."""

    id: str
    lang: str
    score: float
    title: str
    summary: str
    url: str
    related: Tuple[str, ...] = ()
    lexical: float = 0.0
    dense: float = 0.0
    matched_lang: str = ""
    # Share of the query's term weight this article matched (``KBIndex.query_weight``).
    coverage: float = 0.0
    # The answer model's probability that this article answers the message (0 without one).
    probability: float = 0.0
    # Its rank in the hybrid search for the same message (1 = first; 0 = not in the top k),
    # set on hits ranked by the answer model.
    search_rank: int = 0

    def as_dict(self) -> dict:
        """Returns the hit as plain JSON-serialisable data."""
        data = asdict(self)
        data["related"] = list(self.related)
        return data


@dataclass(frozen=True)
class SearchConfig:
    """Which rankings to use; the evaluation compares all three."""

    lexical: bool = True
    dense: bool = True
    cross_language_fallback: bool = True
    # A top hit below both of these is not confident (tuned on data/kb_eval).
    min_dense: float = 0.86
    min_lexical: float = 6.0


def is_confident(lexical: float, dense: float, config: SearchConfig) -> bool:
    """Whether a hit's scores are good enough to answer with (or to list)."""
    return bool((config.dense and dense >= config.min_dense) or (
        config.lexical and lexical >= config.min_lexical))


@dataclass
class KBIndex:
    """A loaded index version."""

    index: dict
    vectors: Optional[np.ndarray]
    embed_query: Optional[QueryEmbedder] = e5_query
    answer_model: Optional[AnswerModel] = None

    @classmethod
    def load(cls, version_dir: Path, embed_query: Optional[QueryEmbedder] = e5_query
             ) -> KBIndex:
        """Loads one index version written by ``build.build_index``."""
        index = json.loads((version_dir / INDEX_FILE).read_text(encoding="utf-8"))
        vectors_path = version_dir / VECTORS_FILE
        vectors = np.load(vectors_path) if vectors_path.exists() else None
        return cls(index=index, vectors=vectors, embed_query=embed_query,
                   answer_model=AnswerModel.load(version_dir))

    def __post_init__(self) -> None:
        docs = self.index["docs"]
        self._docs_by_lang: Dict[str, List[int]] = defaultdict(list)
        self._doc_by_id_lang: Dict[Tuple[str, str], int] = {}
        for number, doc in enumerate(docs):
            self._docs_by_lang[doc["lang"]].append(number)
            self._doc_by_id_lang[(doc["id"], doc["lang"])] = number
        # Fuzzy candidates: words only; a concept token matches exactly or not at all.
        self._vocabulary = {lang: [t for t in p if not is_concept_token(t)]
                            for lang, p in self.index["postings"].items()}
        # Per-term BM25F contributions do not depend on the query: computed at load.
        self._impacts: Dict[Tuple[str, str], Tuple[np.ndarray, np.ndarray]] = {}
        passage_doc = np.asarray(self.index.get("passage_doc", []), dtype=np.int64)
        if len(passage_doc) and np.any(np.diff(passage_doc) < 0):
            raise ValueError("index passages must be grouped by article")
        # Passages are grouped by article, so a segment maximum gives each article's best.
        self._segment_starts = np.flatnonzero(np.r_[True, np.diff(passage_doc) != 0]) if len(
            passage_doc) else np.zeros(0, dtype=np.int64)
        self._segment_docs = passage_doc[self._segment_starts] if len(passage_doc) else (
            np.zeros(0, dtype=np.int64))
        self._segment_langs = np.asarray([docs[int(n)]["lang"] for n in self._segment_docs])
        for lang, postings in self.index["postings"].items():
            for term in postings:
                self._impact(term, lang)

    def query_vector(self, payload: object) -> Optional[np.ndarray]:
        """Decodes a message embedding from the NLU pipeline, if this index can use it.

        Returns None when the index has no vectors or the payload is malformed or comes
        from another model; ``search`` then embeds the query itself.
        """
        if self.vectors is None:
            return None
        return unpack(payload, self.index.get("embedding_model", ""), self.vectors.shape[1])

    def article(self, article_id: str, lang: str) -> Optional[Hit]:
        """Returns one article as a hit with no score, or None if it does not exist."""
        number = self._doc_by_id_lang.get((article_id, lang))
        return None if number is None else self._hit(number, 0.0, 0.0, 0.0, lang)

    @property
    def languages(self) -> List[str]:
        """Languages with at least one article."""
        return sorted(self._docs_by_lang)

    # -- lexical ---------------------------------------------------------------

    def expand_terms(self, terms: Sequence[str], lang: str) -> Dict[str, float]:
        """Maps query terms to vocabulary terms with a weight (fuzzy for unknown terms)."""
        postings = self.index["postings"].get(lang, {})
        expanded: Dict[str, float] = defaultdict(float)
        for term in terms:
            if term in postings:
                expanded[term] = max(expanded[term], 1.0)
            elif len(term) >= FUZZY_MIN_LENGTH and not is_concept_token(term):
                for candidate, similarity, _ in process.extract(
                    term, self._vocabulary.get(lang, []), scorer=fuzz.ratio,
                    limit=2, score_cutoff=FUZZY_MIN_SIMILARITY,
                ):
                    weight = (similarity / 100.0) ** 2
                    expanded[candidate] = max(expanded[candidate], weight)
        return expanded

    def _impact(self, term: str, lang: str) -> Tuple[np.ndarray, np.ndarray]:
        """Articles containing a term, and the term's BM25F contribution to each."""
        key = (lang, term)
        if key not in self._impacts:
            average = self.index["average_lengths"][lang]
            weights = self.index["field_weights"]
            idf = self.index["idf"][lang][term]
            docs = self.index["docs"]
            numbers, contributions = [], []
            for number, fields in self.index["postings"][lang][term].items():
                lengths = docs[int(number)]["lengths"]
                tf = sum(weights[f] * count / (1 - BM25_B + BM25_B * lengths[f] / average[f])
                         for f, count in fields.items())
                numbers.append(int(number))
                contributions.append(idf * tf / (BM25_K1 + tf))
            self._impacts[key] = (np.asarray(numbers, dtype=np.int64),
                                  np.asarray(contributions, dtype=np.float64))
        return self._impacts[key]

    def lexical_scores(self, query: str, lang: str,
                       concepts: Sequence[str] = ()) -> Dict[int, float]:
        """BM25F score of every article in ``lang`` that shares a term with the query.

        ``concepts`` are glossary concept tokens the caller already found (the names
        ``localize_terms`` replaced); the query's own foreign names add theirs.
        """
        scores = np.zeros(len(self.index["docs"]), dtype=np.float64)
        # Glossary concepts the query names in another language's words map to the
        # articles that name them in this language (see kb_index.normalize).
        terms = [*normalize(query, lang, concepts="foreign"), *concepts]
        for term, term_weight in self.expand_terms(terms, lang).items():
            numbers, contributions = self._impact(term, lang)
            scores[numbers] += term_weight * contributions
        matched = np.flatnonzero(scores)
        return dict(zip(matched.tolist(), scores[matched].tolist(), strict=True))

    def query_weight(self, query: str, lang: str) -> float:
        """The most the query's words could score: the sum of their idf in ``lang``.

        A word no article uses counts as the rarest word, so a question about something
        else ("recipe for apple pie") keeps a large weight that nothing covers.
        """
        idf = self.index["idf"].get(lang, {})
        rarest = max(idf.values(), default=0.0)
        terms = normalize(query, lang, concepts="foreign")
        return float(sum(idf.get(t, rarest) for t in dict.fromkeys(terms)
                         if not is_concept_token(t)))

    # -- dense -----------------------------------------------------------------

    def article_similarities(self, query_vector: np.ndarray) -> Optional[np.ndarray]:
        """Best passage cosine of every article, all languages (aligned with segments)."""
        if self.vectors is None or not len(self._segment_starts):
            return None
        return np.maximum.reduceat(self.vectors @ query_vector, self._segment_starts)

    def dense_scores(self, similarities: Optional[np.ndarray], lang: str) -> Dict[int, float]:
        """The ``article_similarities`` of the articles in ``lang``, by doc number."""
        if similarities is None:
            return {}
        keep = self._segment_langs == lang
        return dict(zip(self._segment_docs[keep].tolist(),
                        similarities[keep].astype(float).tolist(), strict=True))

    # -- fusion ----------------------------------------------------------------

    def rank(self, query: str, lang: str, config: SearchConfig,
             similarities: Optional[np.ndarray], concepts: Sequence[str] = ()
             ) -> List[Tuple[int, float, float, float]]:
        """Returns (doc number, fused score, lexical, dense) for ``lang``, best first."""
        lexical = self.lexical_scores(query, lang, concepts) if config.lexical else {}
        dense = self.dense_scores(similarities, lang) if config.dense else {}
        fused: Dict[int, float] = defaultdict(float)
        for scores in (lexical, dense):
            ordered = sorted(scores.items(), key=lambda item: -item[1])
            for rank, (number, _) in enumerate(ordered, start=1):
                fused[number] += 1.0 / (RRF_K + rank)
        return sorted(
            ((n, s, lexical.get(n, 0.0), dense.get(n, 0.0)) for n, s in fused.items()),
            key=lambda row: -row[1],
        )

    def answer_hits(self, question: str, lang: str, k: int = 5,
                    query_vector: Optional[np.ndarray] = None) -> List[Hit]:
        """The articles the assistant may answer a chat message with, best first.

        With an answer model: articles by its probability (``Hit.probability`` and
        ``Hit.score``), none when "no article" is the most probable class; ``lexical``,
        ``dense`` and ``search_rank`` come from ``search`` for the same message. Without
        one (a lexical-only index, or no query vector can be had): ``search``.

        Args:
            question: the user's message.
            lang: the language to answer in.
            k: how many hits to return at most.
            query_vector: the message's e5 embedding, if the caller has it.
        """
        if self.answer_model is None or not question.strip():
            return self.search(question, lang, k, query_vector=query_vector)
        if query_vector is None and self.embed_query is not None:
            query_vector = self.embed_query(question)
        if query_vector is None:
            return self.search(question, lang, k)
        ranked = self.answer_model.probabilities(question, query_vector)
        if not ranked or ranked[0].article_id == NO_ARTICLE:
            return []
        searched = {hit.id: (rank, hit) for rank, hit in enumerate(
            self.search(question, lang, k, query_vector=query_vector), start=1)}
        hits = []
        for candidate in ranked:
            number = self._doc_by_id_lang.get((candidate.article_id, lang))
            if number is None:
                continue
            rank, found = searched.get(candidate.article_id, (0, None))
            hit = self._hit(number, candidate.probability,
                            found.lexical if found else 0.0, found.dense if found else 0.0,
                            lang)
            hits.append(replace(hit, probability=round(candidate.probability, 6),
                                search_rank=rank, coverage=found.coverage if found else 0.0))
            if len(hits) == k:
                break
        return hits

    def answerable(self, hits: Sequence[Hit]) -> Callable[[Hit], bool]:
        """The assistant's rule for answering with one of ``hits`` (from ``answer_hits``).

        ``model_answer_rule`` for hits the answer model ranked, else ``search_answer_rule``.
        """
        if self.answer_model is not None and any(h.probability > 0 for h in hits):
            return model_answer_rule
        return search_answer_rule(hits)

    def is_confident_hit(self, hit: Hit, config: SearchConfig = SearchConfig()) -> bool:
        """Whether a hit returned by ``search`` is good enough to answer with."""
        return self.is_confident(hit.lexical, hit.dense, config)

    def is_confident(self, lexical: float, dense: float, config: SearchConfig) -> bool:
        """Whether a top hit is good enough to answer with."""
        return is_confident(lexical, dense, config)

    def search(self, query: str, lang: str, k: int = 5,
               config: SearchConfig = SearchConfig(),
               query_vector: Optional[np.ndarray] = None) -> List[Hit]:
        """Returns up to ``k`` ranked hits in ``lang``; see the module docstring.

        Args:
            query: the user's question.
            lang: the language to answer in.
            k: how many hits to return at most.
            config: which rankings to use.
            query_vector: the query's e5 embedding when the caller already has it (see
                ``query_vector``); otherwise the query is embedded here.
        """
        if lang not in self._docs_by_lang:
            raise ValueError(f"unknown language {lang!r}; the index has {self.languages}")
        if not query.strip():
            return []
        # A feature named in another language's words ("breakout rooms" in Russian) is
        # searched under the name the user's-language articles use (data/glossary.yml).
        localized, concepts = localize_terms(query, lang, self.index["postings"][lang])
        if localized != query and self.embed_query is not None:
            query_vector = None  # the caller's vector embeds the foreign words
        # One embedding and one matrix product per query, shared by every language ranked.
        similarities = None
        if config.dense and self.vectors is not None:
            if query_vector is None and self.embed_query is not None:
                query_vector = self.embed_query(localized)
            if query_vector is not None:
                similarities = self.article_similarities(query_vector)
        ranked = self.rank(localized, lang, config, similarities, concepts)
        weight = self.query_weight(localized, lang)
        if ranked and self.is_confident(ranked[0][2], ranked[0][3], config):
            return [self._hit(n, s, lx, dn, lang, weight) for n, s, lx, dn in ranked[:k]]
        if config.cross_language_fallback:
            fallback = self._cross_language(query, lang, config, similarities, k)
            if fallback:
                return fallback
        return [self._hit(n, s, lx, dn, lang, weight) for n, s, lx, dn in ranked[:k]]

    def _cross_language(self, query: str, lang: str, config: SearchConfig,
                        similarities: Optional[np.ndarray], k: int) -> List[Hit]:
        best: List[Tuple[float, str, List[Tuple[int, float, float, float]]]] = []
        for other in self.languages:
            if other == lang:
                continue
            ranked = self.rank(query, other, config, similarities)
            if ranked and self.is_confident(ranked[0][2], ranked[0][3], config):
                best.append((ranked[0][2] + ranked[0][3], other, ranked))
        if not best:
            return []
        _, other, ranked = max(best)
        weight = self.query_weight(query, other)
        hits = []
        for number, score, lexical, dense in ranked[:k]:
            article_id = self.index["docs"][number]["id"]
            own = self._doc_by_id_lang.get((article_id, lang))
            if own is not None:
                hits.append(self._hit(own, score, lexical, dense, other, weight))
        return hits

    def _hit(self, number: int, score: float, lexical: float, dense: float,
             matched_lang: str, query_weight: float = 0.0) -> Hit:
        doc = self.index["docs"][number]
        coverage = lexical / query_weight if query_weight > 0 else 0.0
        return Hit(id=doc["id"], lang=doc["lang"], score=round(score, 6), title=doc["title"],
                   summary=doc["summary"], url=doc["url"], related=tuple(doc["related"]),
                   lexical=round(lexical, 4), dense=round(dense, 4), matched_lang=matched_lang,
                   coverage=round(coverage, 4))


def model_answer_rule(hit: Hit) -> bool:
    """Whether to answer with a hit the answer model ranked (``KBIndex.answer_hits``).

    It needs ``ANSWER_MIN_PROBABILITY``, or ``AGREE_MIN_PROBABILITY`` when the hybrid
    search ranks the same article first with a BM25F score of ``AGREE_MIN_SEARCH_LEXICAL``.
    """
    return hit.probability >= ANSWER_MIN_PROBABILITY or (
        hit.probability >= AGREE_MIN_PROBABILITY and hit.search_rank == 1
        and hit.lexical >= AGREE_MIN_SEARCH_LEXICAL)


def search_answer_rule(hits: Sequence[Hit]) -> Callable[[Hit], bool]:
    """The answer rule for hits ranked by ``search`` (an index without an answer model).

    e5 similarities of questions no article covers reach 0.86-0.89 ("how do I change my
    name in a meeting?"), so a dense match alone must reach ``ANSWER_MIN_DENSE``; from
    ``AGREE_MIN_DENSE`` up, the hit must also be the best lexical match among ``hits``.
    A strong lexical score alone is enough. Measured on ``data/kb_eval``.
    """
    lexical_best = max(hits, key=lambda h: h.lexical).id if hits else None

    def confident(hit: Hit) -> bool:
        agree = (hit.dense >= AGREE_MIN_DENSE and hit.id == lexical_best
                 and hit.lexical >= AGREE_MIN_LEXICAL)
        return (hit.lexical >= SearchConfig.min_lexical
                or hit.dense >= ANSWER_MIN_DENSE or agree)

    return confident


class Scored(Protocol):
    """Anything with a hit's scores (``Hit``, or a test double)."""

    @property
    def lexical(self) -> float:
        """The BM25F score."""

    @property
    def dense(self) -> float:
        """The e5 cosine similarity."""

    @property
    def coverage(self) -> float:
        """The share of the query's term weight matched."""


ScoredHit = TypeVar("ScoredHit", bound=Scored)


def relevant_hits(hits: Sequence[ScoredHit], min_lexical: float = LIST_MIN_LEXICAL,
                  min_coverage: float = LIST_MIN_COVERAGE,
                  min_dense: float = SearchConfig.min_dense,
                  fraction: float = LIST_FRACTION) -> List[ScoredHit]:
    """The hits worth listing in a result page, which must be able to say "nothing".

    ``search`` always ranks something. The best hit is listed when its BM25F score, its
    coverage of the query or its dense similarity is high enough; the others when their
    BM25F score is within ``fraction`` of the best one's (or, with no lexical score at
    all, when their dense similarity is high enough).

    Args:
        hits: ranked hits, best first, as ``KBIndex.search`` returns them.
        min_lexical: BM25F score that makes the best hit relevant.
        min_coverage: share of the query's term weight (0-1) that does too.
        min_dense: e5 cosine similarity that does too.
        fraction: share of the best hit's BM25F score the others need.

    Returns:
        The listed hits in their order; empty when the best one is not relevant.
    """
    if not hits:
        return []
    best = hits[0]
    if not (best.lexical >= min_lexical or best.coverage >= min_coverage
            or best.dense >= min_dense):
        return []
    if best.lexical <= 0:
        return [h for h in hits if h.dense >= min_dense]
    return [h for h in hits if h.lexical >= fraction * best.lexical]


class Searcher:
    """Serves searches from the current index version and reloads it when a build replaces it."""

    def __init__(self, build_dir: Path = DEFAULT_BUILD,
                 embed_query: Optional[QueryEmbedder] = e5_query) -> None:
        self._build_dir = build_dir
        self._embed_query = embed_query
        self._lock = threading.Lock()
        self._loaded: Optional[Tuple[Path, KBIndex]] = None

    @property
    def build_dir(self) -> Path:
        """The folder whose ``CURRENT`` version this searcher serves."""
        return self._build_dir

    def index(self) -> KBIndex:
        """Returns the loaded index, loading a newer version if one was built."""
        version = current_version(self._build_dir)
        if version is None:
            raise FileNotFoundError(
                f"no KB index in {self._build_dir}; build it with `python -m kb_index build`")
        loaded = self._loaded
        if loaded is None or loaded[0] != version:
            with self._lock:
                if self._loaded is None or self._loaded[0] != version:
                    self._loaded = (version, KBIndex.load(version, self._embed_query))
                loaded = self._loaded
        return loaded[1]

    def search(self, query: str, lang: str, k: int = 5,
               config: SearchConfig = SearchConfig()) -> List[Hit]:
        """Searches the current index (see ``KBIndex.search``)."""
        return self.index().search(query, lang, k, config)


_default: Optional[Searcher] = None


def default_searcher() -> Searcher:
    """Returns the process-wide searcher over ``kb_index/build``, created on first use."""
    global _default
    if _default is None:
        _default = Searcher()
    return _default
