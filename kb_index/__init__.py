"""The knowledge-base index: load, normalize, build and search help-center articles.

    >>> import kb_index
    >>> kb_index.search("не могу показать экран", lang="ru", k=3)

``search`` uses the index built by ``python -m kb_index build`` (kept under
``kb_index/build/``) and notices when a newer build replaces it.
"""

from __future__ import annotations

from typing import List

from kb_index.search import Hit, default_searcher

__all__ = ["Hit", "search"]


def search(query: str, lang: str, k: int = 5) -> List[Hit]:
    """Returns up to ``k`` ranked articles for a question in one of the five languages."""
    return default_searcher().search(query, lang, k)
