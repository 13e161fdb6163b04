"""Classifies a problem description as P1-P4.

Logistic regression over the multilingual e5 sentence embedding, trained on the
labelled descriptions in ``data/priority/train/<lang>.tsv`` (all languages together,
so each language helps the others). The fitted weights are cached in ``var/`` and
refitted when the training files change. The user confirms or corrects the result.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Dict, List, Literal, Optional, Sequence, Tuple

import numpy as np

from kb_index.data_files import (
    DataFileError,
    DataModel,
    Language,
    Location,
    Problem,
    Text,
    check,
    display_path,
    field_path,
    read_text,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = PROJECT_ROOT / "data" / "priority" / "train"
EVAL_DIR = PROJECT_ROOT / "data" / "priority" / "eval"
Embedder = Callable[[Sequence[str]], np.ndarray]


# ``bot.escalation.priority.PRIORITIES``; a test keeps them equal.
Priority = Literal["P1", "P2", "P3", "P4"]


class LabelledDataError(DataFileError):
    """A labelled file is malformed; each line names the file, the line and the field."""


class LabelledRow(DataModel):
    """One ``P1..P4<TAB>description`` line."""

    priority: Priority
    text: Text


class LabelledFileName(DataModel):
    """A labelled file is named after its language: ``<lang>.tsv``."""

    lang: Language


def _line_field(number: int, location: Location) -> str:
    return f"line {number}: {field_path(location)}"


def _row_problems(path: Path, seen: Dict[str, Tuple[Path, int]]
                  ) -> Tuple[List[Tuple[str, str]], List[Problem]]:
    """One file's ``(priority, text)`` rows and problems; ``seen`` spots repeated texts."""
    _, problems = check(LabelledFileName, {"lang": path.stem}, lambda _: "file name")
    rows: List[Tuple[str, str]] = []
    for number, line in enumerate(read_text(path, LabelledDataError).splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, tab, text = line.partition("\t")
        if not tab:
            problems.append(Problem(f"line {number}",
                                    "expected 'P1..P4<TAB>text', found no tab"))
            continue
        fields = {"priority": label, "text": text} if label else {"text": text}
        row, row_problems = check(LabelledRow, fields, partial(_line_field, number))
        problems += row_problems
        if row is None:
            continue
        first = seen.setdefault(row.text, (path, number))
        if first != (path, number):
            where = "" if first[0] == path else f"{display_path(first[0])} "
            problems.append(Problem(f"line {number}: text", f"same text as {where}line {first[1]}"))
        rows.append((row.priority, row.text))
    if not rows and not problems:
        problems.append(Problem("file", "has no labelled descriptions ('P1..P4<TAB>text' lines)"))
    return rows, problems


def load_labelled(folder: Path) -> List[Tuple[str, str, str]]:
    """Reads ``<lang>.tsv`` files of ``P<n><TAB>description``; returns (lang, label, text).

    Blank lines and lines starting with ``#`` are skipped. Every file must hold at least
    one description, and no description may appear twice in the folder.

    Raises:
        LabelledDataError: naming the file and every broken line and field.
    """
    paths = sorted(folder.glob("*.tsv"))
    if not paths:
        raise LabelledDataError(folder, "folder", "has no labelled '<lang>.tsv' files")
    rows = []
    seen: Dict[str, Tuple[Path, int]] = {}
    for path in paths:
        labelled, problems = _row_problems(path, seen)
        if problems:
            raise LabelledDataError.of(path, problems)
        rows += [(path.stem, label, text) for label, text in labelled]
    return rows


def fingerprint(folder: Path) -> str:
    """Hashes the training files, so a cached model knows when it is stale."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.tsv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Prediction:
    """The most likely priority and every priority's probability."""

    priority: str
    probabilities: Dict[str, float]


@dataclass
class PriorityClassifier:
    """A fitted multinomial logistic regression over e5 embeddings."""

    weights: np.ndarray  # (classes, dim)
    bias: np.ndarray  # (classes,)
    classes: Tuple[str, ...]
    embed: Optional[Embedder] = None

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str],
            embed: Optional[Embedder] = None) -> PriorityClassifier:
        """Fits on labelled descriptions (sklearn's default regularisation, C=1)."""
        from sklearn.linear_model import LogisticRegression

        embed = embed or _e5
        model = LogisticRegression(C=1.0, max_iter=2000).fit(embed(list(texts)), list(labels))
        return cls(np.asarray(model.coef_, dtype=np.float32),
                   np.asarray(model.intercept_, dtype=np.float32),
                   tuple(str(c) for c in model.classes_), embed)

    def save(self, path: Path, source_fingerprint: str) -> None:
        """Writes the weights (no pickle) with the fingerprint of the training data."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez(temporary, weights=self.weights, bias=self.bias,
                 classes=np.asarray(self.classes), fingerprint=np.asarray(source_fingerprint))
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path, source_fingerprint: str,
             embed: Optional[Embedder] = None) -> Optional[PriorityClassifier]:
        """Reads saved weights; None if missing, unreadable or trained on other data."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                if str(saved["fingerprint"]) != source_fingerprint:
                    return None
                return cls(saved["weights"], saved["bias"],
                           tuple(str(c) for c in saved["classes"]), embed or _e5)
        except (OSError, KeyError, ValueError):
            return None

    def predict(self, text: str, vector: Optional[np.ndarray] = None) -> Prediction:
        """Classifies one description; ``vector`` is its e5 embedding if already known."""
        if vector is None:
            vector = (self.embed or _e5)([text])[0]
        logits = self.weights @ vector + self.bias
        exp = np.exp(logits - logits.max())
        probabilities = exp / exp.sum()
        best = int(np.argmax(probabilities))
        return Prediction(self.classes[best],
                          {c: round(float(p), 4) for c, p in zip(self.classes, probabilities,
                                                                  strict=True)})


def _e5(texts: Sequence[str]) -> np.ndarray:
    from kb_index.embedding import e5_queries

    return e5_queries(texts)


_lock = threading.Lock()
_cached: Dict[Path, Tuple[str, PriorityClassifier]] = {}


def trained_classifier(cache: Path, train_dir: Path = TRAIN_DIR,
                       embed: Optional[Embedder] = None) -> PriorityClassifier:
    """Returns the classifier for the current training data, fitting it if needed."""
    with _lock:
        source = fingerprint(train_dir)
        loaded = _cached.get(cache)
        if loaded is not None and loaded[0] == source:
            return loaded[1]
        classifier = PriorityClassifier.load(cache, source, embed)
        if classifier is None:
            rows = load_labelled(train_dir)
            classifier = PriorityClassifier.fit([t for _, _, t in rows],
                                                [label for _, label, _ in rows], embed)
            classifier.save(cache, source)
        _cached[cache] = (source, classifier)
        return classifier
