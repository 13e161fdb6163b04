"""Loaders for the public benchmark data in /work/shared/bench-data, and an e5 cache.

Shared by ``bench/external_nlu.py`` and ``bench/sib_dev_exploration.py``. Importing this
module loads nothing heavy: the e5 model loads on the first cache miss.

Every loader keeps the texts exactly as the data set has them (only the CSV quoting of
the SIB-200 TSV files is undone, as their authors' pandas reader does).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Literal, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = Path(os.environ.get("HELPBOT_BENCH_DATA", "/work/shared/bench-data"))
CACHE_DIR = ROOT / "var" / "bench" / "cache"

# The product's language codes and SIB-200's FLORES-200 folder names.
SIB_FOLDERS: Dict[str, str] = {
    "en": "eng_Latn", "fr": "fra_Latn", "it": "ita_Latn", "nb": "nob_Latn", "ru": "rus_Cyrl",
}
SibSplit = Literal["train", "dev", "test"]
MassiveSplit = Literal["train", "dev", "test"]
E5Kind = Literal["query", "passage"]


@dataclass(frozen=True)
class Example:
    """One labelled text: ``language`` is the product's code (en, fr, it, nb, ru)."""

    text: str
    label: str
    language: str


def load_sib200(language: str, split: SibSplit, root: Optional[Path] = None) -> List[Example]:
    """Reads one SIB-200 split (TSV with header ``index_id, category, text``).

    Args:
        language: the product's code, one of ``SIB_FOLDERS``.
        split: train, dev or test.
        root: the ``sib-200`` folder; defaults to the shared bench data.

    Raises:
        KeyError: unknown language. ValueError: a row without text or category.
    """
    folder = (root or BENCH_DATA / "sib-200") / SIB_FOLDERS[language]
    with open(folder / f"{split}.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    examples = []
    for row in rows:
        if not row.get("text") or not row.get("category"):
            raise ValueError(f"{folder}/{split}.tsv: row {row.get('index_id')} is incomplete")
        examples.append(Example(row["text"], row["category"], language))
    return examples


def parse_xsid(lines: Iterable[str], language: str,
               dialect: Optional[str] = None) -> List[Example]:
    """Parses xSID CoNLL text: one example per ``# text`` / ``# intent`` block.

    Args:
        lines: the file's lines.
        language: the product's code recorded on every example.
        dialect: keep only blocks with ``# dialect = <dialect>`` (xSID's Norwegian
            file: ``B`` is Bokmål); None keeps every block.

    Raises:
        ValueError: a block with a text but no intent, or the reverse.
    """
    examples: List[Example] = []
    block: Dict[str, str] = {}

    def flush() -> None:
        if block:
            if "text" not in block or "intent" not in block:
                raise ValueError(f"xSID block without text or intent: {block}")
            if dialect is None or block.get("dialect") == dialect:
                examples.append(Example(block["text"], block["intent"], language))
            block.clear()

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
        elif line.startswith("# ") and " = " in line:
            key, value = line[2:].split(" = ", 1)
            # "text-en" (the English source of a translation) is not the text.
            if key in ("text", "intent", "dialect"):
                block[key] = value
    flush()
    return examples


def load_xsid(language: str, split: Literal["valid", "test"],
              root: Optional[Path] = None) -> List[Example]:
    """Reads an xSID split; for ``nb`` the Bokmål blocks of the Norwegian file.

    Raises:
        FileNotFoundError: xSID has no such split (there is no English train file here).
    """
    folder = root or BENCH_DATA / "xsid"
    file_language, dialect = ("no", "B") if language == "nb" else (language, None)
    with open(folder / f"{file_language}.{split}.conll", encoding="utf-8") as handle:
        return parse_xsid(handle, language, dialect)


def parse_massive(lines: Iterable[str], split: MassiveSplit) -> List[Example]:
    """Parses MASSIVE JSON lines, keeping one partition (``utt`` and ``intent``)."""
    examples = []
    for line in lines:
        if line.strip():
            row = json.loads(line)
            if row["partition"] == split:
                examples.append(Example(row["utt"], row["intent"], row["locale"][:2]))
    return examples


def load_massive(split: MassiveSplit, path: Optional[Path] = None) -> List[Example]:
    """Reads one partition of MASSIVE en-US."""
    with open(path or BENCH_DATA / "massive" / "en-US.jsonl", encoding="utf-8") as handle:
        return parse_massive(handle, split)


def text_key(text: str) -> str:
    """The cache key of a text: its SHA-256 in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class E5Cache:
    """e5 embeddings of benchmark texts on disk, one file per model id and prefix kind.

    Each file is an ``.npz`` with ``keys`` (SHA-256 of each text), ``vectors`` (n, 384)
    float32 and ``seconds`` (the wall time spent embedding each text, its batch's time
    divided by the batch size), so a rerun can still report what embedding cost.
    """

    def __init__(self, directory: Path = CACHE_DIR, model_id: Optional[str] = None) -> None:
        """Opens (or starts) the cache for ``model_id`` (default: the bundled e5)."""
        if model_id is None:
            from kb_index.embedding import e5_model_id

            model_id = e5_model_id()
        self.model_id = model_id
        slug = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:16]
        self.directory = directory / f"e5-{slug}"
        self._tables: Dict[str, Dict[str, tuple[np.ndarray, float]]] = {}

    def _path(self, kind: E5Kind) -> Path:
        return self.directory / f"{kind}.npz"

    def _table(self, kind: E5Kind) -> Dict[str, tuple[np.ndarray, float]]:
        if kind not in self._tables:
            table: Dict[str, tuple[np.ndarray, float]] = {}
            path = self._path(kind)
            if path.exists():
                with np.load(path) as data:
                    for key, vector, seconds in zip(
                            data["keys"], data["vectors"], data["seconds"], strict=True):
                        table[str(key)] = (vector, float(seconds))
            self._tables[kind] = table
        return self._tables[kind]

    def _save(self, kind: E5Kind) -> None:
        table = self._table(kind)
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "model_id.txt").write_text(self.model_id + "\n", encoding="utf-8")
        keys = list(table)
        tmp = self._path(kind).with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys),
                 vectors=np.stack([table[k][0] for k in keys]).astype(np.float32),
                 seconds=np.array([table[k][1] for k in keys], dtype=np.float64))
        tmp.replace(self._path(kind))

    def embed(self, texts: Sequence[str], kind: E5Kind = "query",
              chunk: int = 256) -> np.ndarray:
        """Returns the (n, 384) float32 unit vectors of ``texts``, embedding only misses.

        Misses are embedded ``chunk`` at a time and saved after each chunk, so an
        interrupted run keeps its work.
        """
        from kb_index.embedding import e5_passages, e5_queries

        table = self._table(kind)
        missing = list(dict.fromkeys(t for t in texts if text_key(t) not in table))
        embed_fn = e5_queries if kind == "query" else e5_passages
        for start in range(0, len(missing), chunk):
            batch = missing[start:start + chunk]
            began = time.perf_counter()
            vectors = embed_fn(batch)
            each = (time.perf_counter() - began) / len(batch)
            for text, vector in zip(batch, vectors, strict=True):
                table[text_key(text)] = (vector, each)
            self._save(kind)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([table[text_key(t)][0] for t in texts]).astype(np.float32)

    def seconds(self, texts: Sequence[str], kind: E5Kind = "query") -> float:
        """The recorded embedding time of ``texts`` (s); 0 for texts not in the cache."""
        table = self._table(kind)
        return sum(table[k][1] for k in map(text_key, texts) if k in table)
