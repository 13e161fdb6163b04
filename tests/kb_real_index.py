"""The shipped KB articles indexed lexical-only, once per test session (no e5 model)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from kb_index.build import DEFAULT_SOURCE, build_index
from kb_index.search import KBIndex


@lru_cache(maxsize=1)
def lexical_kb_index() -> KBIndex:
    """``data/kb`` built into a temporary folder without embeddings, as the site searches it."""
    out = Path(tempfile.mkdtemp(prefix="helpbot-kb-"))
    report = build_index(DEFAULT_SOURCE, out, embed=None)
    return KBIndex.load(report.path, embed_query=None)
