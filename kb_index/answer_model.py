"""The KB answer model: which article answers a chat message, or that none does.

A logistic regression over two views of the message:

- dense: the e5 query embedding (unit vector, 384 dims), the same vector the NLU
  pipeline publishes as ``text_embedding``;
- sparse: character n-grams (2-4, inside word boundaries) weighted by TF-IDF
  (sublinear term frequency, L2-normalised rows), which catch typos, product names
  and words the embedding blurs.

Classes are the article ids plus ``NO_ARTICLE``. Training examples are every article's
title and ``questions`` in all five languages (one article id across languages, so a
Russian question teaches the model about the Norwegian article too), and the questions
no article answers in ``data/kb_no_article/<lang>.txt``.

Why a model, not the search scores: e5 cosine similarities of questions no article
covers reach those of real matches (0.86-0.89), and rank fusion of BM25F and e5 put
the right article first for only 86% of blind symptom messages. The model learns which
directions of the embedding separate the articles, and a "no article" class. Measured
in the issue 11 closing note (``python -m bot evaluate``).

Stored as plain arrays (``.npz``) and JSON, never pickled. Nothing random: the same
questions give the same weights on any machine, up to floating-point summation order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse

NO_ARTICLE = "-"
MODEL_WEIGHTS_FILE = "answer_model.npz"
MODEL_META_FILE = "answer_model.json"
NGRAM_RANGE = (2, 4)
# L2 penalty: C=64 beat 1, 4, 16 and 32 on data/kb_eval and the first blind symptom set.
DEFAULT_C = 64.0


@dataclass(frozen=True)
class ArticleProbability:
    """One article's probability of answering a message."""

    article_id: str
    probability: float


def _counter(vocabulary: Optional[Dict[str, int]] = None) -> Any:
    """scikit-learn's character n-gram counter (untyped, hence ``Any``)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, lowercase=True,
                           vocabulary=vocabulary, dtype=np.float64)


def _tfidf(idf: np.ndarray) -> Any:
    """scikit-learn's TF-IDF weighting (sublinear TF, L2 rows) with a stored IDF vector."""
    from sklearn.feature_extraction.text import TfidfTransformer

    transformer = TfidfTransformer(sublinear_tf=True)
    transformer.idf_ = idf
    return transformer


@dataclass(frozen=True)
class AnswerModel:
    """A trained answer model (see the module docstring).

    Attributes:
        classes: article ids and ``NO_ARTICLE``, in weight-row order.
        vocabulary: character n-gram -> column of the sparse view.
        idf: inverse document frequency per n-gram column, shape (V,).
        coef: weights, shape (len(classes), dim + V), float32.
        intercept: biases, shape (len(classes),).
        dim: width of the dense view (the e5 dimension).
    """

    classes: Tuple[str, ...]
    vocabulary: Dict[str, int]
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    dim: int

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], vectors: np.ndarray,
              c: float = DEFAULT_C) -> AnswerModel:
        """Fits the model.

        Args:
            texts: training messages.
            labels: an article id or ``NO_ARTICLE`` per message.
            vectors: the messages' e5 query embeddings, shape (len(texts), dim).
            c: inverse L2 penalty of the logistic regression.

        Raises:
            ValueError: when the inputs disagree in length or name fewer than two classes.
        """
        from sklearn.feature_extraction.text import TfidfTransformer
        from sklearn.linear_model import LogisticRegression

        if not len(texts) == len(labels) == len(vectors):
            raise ValueError("texts, labels and vectors must have the same length")
        if len(set(labels)) < 2:
            raise ValueError("the answer model needs at least two classes")
        counter = _counter()
        counts = counter.fit_transform(texts)
        weighting = TfidfTransformer(sublinear_tf=True).fit(counts)
        idf = weighting.idf_
        dense = scipy.sparse.csr_matrix(vectors, dtype=np.float64)
        features = scipy.sparse.hstack([dense, weighting.transform(counts)]).tocsr()
        regression = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        regression.fit(features, np.asarray(labels))
        vocabulary = {term: int(column) for term, column in counter.vocabulary_.items()}
        return cls(classes=tuple(str(c) for c in regression.classes_), vocabulary=vocabulary,
                   idf=idf.astype(np.float32), coef=regression.coef_.astype(np.float32),
                   intercept=regression.intercept_.astype(np.float32),
                   dim=int(vectors.shape[1]))

    def probabilities(self, text: str, vector: np.ndarray) -> List[ArticleProbability]:
        """Returns every class's probability for one message, most probable first.

        Args:
            text: the user's message.
            vector: its e5 query embedding, shape (dim,).
        """
        counts = _counter(self.vocabulary).transform([text])
        sparse = _tfidf(self.idf.astype(np.float64)).transform(counts)
        logits = (self.coef[:, :self.dim] @ np.asarray(vector, dtype=np.float32)
                  + np.asarray(sparse @ self.coef[:, self.dim:].T).ravel() + self.intercept)
        logits = logits - logits.max()
        probs = np.exp(logits) / np.exp(logits).sum()
        order = np.argsort(-probs, kind="stable")
        return [ArticleProbability(self.classes[i], float(probs[i])) for i in order]

    def save(self, folder: Path) -> None:
        """Writes ``answer_model.npz`` and ``answer_model.json`` into ``folder``."""
        np.savez(folder / MODEL_WEIGHTS_FILE, idf=self.idf, coef=self.coef,
                 intercept=self.intercept)
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / MODEL_META_FILE).write_text(json.dumps(
            {"classes": list(self.classes), "ngrams": terms, "dim": self.dim},
            ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Optional[AnswerModel]:
        """Reads a saved model; None when ``folder`` has none (a lexical-only index)."""
        meta_path = folder / MODEL_META_FILE
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(folder / MODEL_WEIGHTS_FILE) as weights:
            return cls(classes=tuple(meta["classes"]),
                       vocabulary={term: i for i, term in enumerate(meta["ngrams"])},
                       idf=weights["idf"], coef=weights["coef"],
                       intercept=weights["intercept"], dim=int(meta["dim"]))


def load_no_article_questions(folder: Path, languages: Sequence[str]) -> List[str]:
    """Reads ``<folder>/<lang>.txt``: one question per line; ``#`` lines are comments."""
    questions: List[str] = []
    for lang in languages:
        path = folder / f"{lang}.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                questions.append(line)
    return questions
