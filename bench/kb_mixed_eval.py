"""KB search on mixed-language questions: an English feature name inside another language.

Scores tests/fixtures/kb_mixed_queries.tsv (lang<TAB>question<TAB>expected id) with the
shipped hybrid search and lexical-only, on the current index (built with the glossary's
concept tokens) and, with --baseline DIR, on an index version built before the glossary
existed (a copy of an older ``kb_index/build/v*`` folder), searched with an empty glossary,
which is how the search behaved before.

    .venv/bin/python bench/kb_mixed_eval.py [--baseline /tmp/old-index-version]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Tuple

from kb_index import normalize
from kb_index.build import DEFAULT_BUILD, current_version
from kb_index.glossary import Glossary, load_glossary
from kb_index.search import KBIndex, SearchConfig

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "tests" / "fixtures" / "kb_mixed_queries.tsv"


def load_queries() -> List[Tuple[str, str, str]]:
    rows = []
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, question, expected = line.split("\t")
            rows.append((lang, question, expected))
    return rows


def score(index: KBIndex, config: SearchConfig, rows) -> Dict[str, Tuple[int, int, int]]:
    """Per language: (hit@1, confident hit@1, questions)."""
    out: Dict[str, List[int]] = {}
    for lang, question, expected in rows:
        hits = index.search(question, lang, 3, config)
        top = hits[0] if hits else None
        counts = out.setdefault(lang, [0, 0, 0])
        counts[2] += 1
        if top and top.id == expected:
            counts[0] += 1
            if index.is_confident(top.lexical, top.dense, config):
                counts[1] += 1
        elif top is not None:
            print(f"  miss [{lang}] {question!r}: {top.id} (expected {expected})")
    return {lang: (c[0], c[1], c[2]) for lang, c in out.items()}


def use_glossary(enabled: bool) -> None:
    """Searches with the shipped glossary, or with none (the behaviour before it)."""
    glossary = load_glossary() if enabled else Glossary([])
    normalize.load_glossary = lambda: glossary  # type: ignore[assignment]
    normalize.phrase_table.cache_clear()
    normalize._concepts_cached.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args()
    rows = load_queries()
    indexes = {}
    version = current_version(DEFAULT_BUILD)
    if version is None:
        raise SystemExit("no index: run `.venv/bin/python -m kb_index build` first")
    if args.baseline:
        indexes["before (no glossary)"] = KBIndex.load(args.baseline)
    indexes["with glossary"] = KBIndex.load(version)
    for name, index in indexes.items():
        use_glossary(name != "before (no glossary)")
        for label, config in (("hybrid", SearchConfig()), ("lexical", SearchConfig(dense=False))):
            print(f"{name}, {label}:")
            results = score(index, config, rows)
            total = [sum(r[i] for r in results.values()) for i in range(3)]
            for lang, (hit1, confident, n) in results.items():
                print(f"  {lang}: hit@1 {hit1}/{n}, confident and right {confident}/{n}")
            print(f"  all: hit@1 {total[0]}/{total[2]}, confident and right {total[1]}/{total[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
