"""The help center's KB as JSON, for the agent console's article search.

``GET /api/kb/search?q=&lang=`` ranks like the site's search box (``bot.web.site_search``:
the chat's hybrid ranking, the lexical one when the assistant gives no vector) and lists
the hits as cards; ``GET /api/kb/articles/{id}?lang=`` is one article in one language. An
agent searches in their own language, then sends the article, fetched again in the user's
language, as a card.

Public, like the help-center pages the cards link to: no account data here.
"""

from __future__ import annotations

from typing import Callable, List, Sequence

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from bot.web.site import MAX_QUERY_CHARS, Catalogue, Search
from kb_index.search import relevant_hits

LanguageQuery = Query(..., regex=r"^(ru|nb|fr|it|en)$")


class KBCardOut(BaseModel):
    """An article as the widget's card shows it, in one language."""

    article_id: str
    lang: str
    title: str
    summary: str
    url: str


class KBSearchOut(BaseModel):
    """``{"query", "lang", "hits": [KBCardOut], "degraded"}``; ``degraded``: lexical only."""

    query: str
    lang: str
    hits: List[KBCardOut]
    degraded: bool = False


def kb_api_router(catalogue: Callable[[], Catalogue], search: Search) -> APIRouter:
    """The two JSON routes.

    Args:
        catalogue: returns the loaded articles.
        search: the site's search, ``(query, lang)`` to ``SiteResults`` or ranked hits.
    """
    router = APIRouter(prefix="/api/kb", tags=["kb"])

    @router.get("/search", response_model=KBSearchOut)
    def kb_search(q: str = Query("", max_length=1000), lang: str = LanguageQuery
                  ) -> KBSearchOut:
        query = q.strip()[:MAX_QUERY_CHARS]
        if not query:
            return KBSearchOut(query=query, lang=lang, hits=[])
        try:
            found = search(query, lang)
        except (FileNotFoundError, ValueError):
            raise HTTPException(503, "the KB index is not available") from None
        if isinstance(found, Sequence):
            ids, degraded = [hit.id for hit in relevant_hits(found)], True
        else:
            ids, degraded = [hit.id for hit in found.hits], found.degraded
        articles = catalogue().articles(lang, ids) if ids else []
        return KBSearchOut(query=query, lang=lang, degraded=degraded, hits=[
            KBCardOut(article_id=a.id, lang=a.lang, title=a.title, summary=a.summary,
                      url=a.url) for a in articles])

    @router.get("/articles/{article_id}", response_model=KBCardOut)
    def kb_article(article_id: str, lang: str = LanguageQuery) -> KBCardOut:
        article = catalogue().by_id.get(lang, {}).get(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id} in {lang}")
        return KBCardOut(article_id=article.id, lang=article.lang, title=article.title,
                         summary=article.summary, url=article.url)

    return router
