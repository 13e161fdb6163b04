"""The help-center demo site: home with search, article pages, self-service pages.

Pages are rendered on the server with autoescaping Jinja2 templates; the chat widget
(``static/widget.js``) is embedded on every page with the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.texts.cldr import language_self_name
from bot.web.labels import labels, page_language, widget_config
from bot.web.markdown import render as render_markdown
from kb_index.articles import LANGUAGES, Article
from kb_index.search import relevant_hits

TEMPLATES = Path(__file__).resolve().parent / "templates"
POPULAR = ("contact-support", "sign-in-password", "audio-not-working", "screen-sharing",
           "recording", "support-plans")
FORMS = ("report-abuse", "billing-discrepancy", "contact-sales")
# The language menu: each language's name in itself (CLDR's, capitalised for a menu).
LANGUAGE_SELF_NAMES = {code: language_self_name(code) for code in LANGUAGES}
MAX_QUERY_CHARS = 200

Search = Callable[[str, str], Sequence[Any]]

# Scripts only from this origin (no inline script), so injected markup could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src *; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Catalogue:
    """The KB articles, by language and id and by language and slug."""

    by_id: Dict[str, Dict[str, Article]]
    by_slug: Dict[str, Dict[str, Article]]

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Catalogue:
        """Indexes a list of articles."""
        by_id: Dict[str, Dict[str, Article]] = {lang: {} for lang in LANGUAGES}
        by_slug: Dict[str, Dict[str, Article]] = {lang: {} for lang in LANGUAGES}
        for article in articles:
            by_id[article.lang][article.id] = article
            by_slug[article.lang][article.slug] = article
        return cls(by_id, by_slug)

    def articles(self, lang: str, ids: Sequence[str] = ()) -> List[Article]:
        """The articles of a language: the given ids in order, or all by title."""
        if ids:
            return [self.by_id[lang][i] for i in ids if i in self.by_id[lang]]
        return sorted(self.by_id[lang].values(), key=lambda a: a.title.casefold())


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def site_router(catalogue: Callable[[], Catalogue], search: Search,
                chat_url: Callable[[Request], str], dev_sign_in: bool) -> APIRouter:
    """Builds the site's routes.

    Args:
        catalogue: returns the loaded articles (called per request; cache it).
        search: ``(query, lang)`` to ranked hits with ``id``, ``lexical`` and ``dense``
            attributes (``kb_index.search.Hit``); may raise ``FileNotFoundError`` or
            ``ValueError`` when no index is available. Only hits that pass
            ``kb_index.search.relevant_hits`` are listed.
        chat_url: the help-center channel's base URL as the browser must call it.
        dev_sign_in: whether the "sign in as" selector is offered (development only).
    """
    router = APIRouter()
    templates = _environment()

    def page(request: Request, lang: str, template: str, status: int = 200,
             switch: Optional[Dict[str, str]] = None, **context: Any) -> HTMLResponse:
        path = request.url.path
        # The same page in each language (the search keeps its query).
        if switch is None:
            suffix = path[len(lang) + 1:] if path.startswith(f"/{lang}/") else "/"
            query = f"?{request.url.query}" if request.url.query else ""
            switch = {code: f"/{code}{suffix}{query}" for code in LANGUAGES}
        config = widget_config(lang, chatUrl=chat_url(request), locale=lang,
                               devSignIn=dev_sign_in)
        body = templates.get_template(template).render(
            lang=lang, L=labels(lang)["site"], languages=LANGUAGE_SELF_NAMES, switch=switch,
            widget_config=config, dev_sign_in=dev_sign_in, **context)
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def not_found(request: Request, lang: str) -> HTMLResponse:
        return page(request, lang, "not_found.html", status=404)

    @router.get("/", include_in_schema=False)
    def root(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/{page_language(request.headers.get('accept-language', ''))}/")

    @router.get("/community", include_in_schema=False)
    def community(request: Request, lang: Optional[str] = None) -> Any:
        chosen = lang if lang in LANGUAGES else page_language(
            request.headers.get("accept-language", ""))
        article = catalogue().by_id[chosen].get("community-forum")
        return RedirectResponse(article.url) if article else not_found(request, chosen)

    @router.get("/{lang}", include_in_schema=False)
    def language_root(lang: str) -> RedirectResponse:
        return RedirectResponse(f"/{lang if lang in LANGUAGES else 'en'}/")

    @router.get("/{lang}/", include_in_schema=False)
    def home(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return page(request, lang, "home.html",
                    popular=catalogue().articles(lang, POPULAR))

    @router.get("/{lang}/articles", include_in_schema=False)
    def article_list(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return page(request, lang, "articles.html", articles=catalogue().articles(lang))

    @router.get("/{lang}/articles/{slug}", include_in_schema=False)
    def article(request: Request, lang: str, slug: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        found = catalogue().by_slug[lang].get(slug)
        if found is None:
            return not_found(request, lang)
        related = catalogue().articles(lang, found.related)
        # The switcher leads to the same article, whose slug differs per language.
        versions = {code: (catalogue().by_id[code][found.id].url
                           if found.id in catalogue().by_id[code] else f"/{code}/")
                    for code in LANGUAGES}
        return page(request, lang, "article.html", switch=versions, article=found,
                    body=render_markdown(found.body), related=related)

    @router.get("/{lang}/search", include_in_schema=False)
    def search_page(request: Request, lang: str, q: str = "") -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        query = q.strip()[:MAX_QUERY_CHARS]
        results: List[Article] = []
        unavailable = False
        if query:
            try:
                # The ranking always has ten candidates; list only the relevant ones, so
                # a query nothing answers says "no results".
                ids = [hit.id for hit in relevant_hits(search(query, lang))]
            except (FileNotFoundError, ValueError):
                ids, unavailable = [], True
            # ``articles`` with no ids means every article: no ids must list nothing.
            results = catalogue().articles(lang, ids) if ids else []
        return page(request, lang, "search.html", query=query, results=results,
                    unavailable=unavailable)

    @router.get("/{lang}/videos", include_in_schema=False)
    def videos(request: Request, lang: str) -> Any:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return RedirectResponse(catalogue().by_id[lang]["video-tutorials"].url)

    @router.get("/{lang}/forms", include_in_schema=False)
    def forms(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return page(request, lang, "forms.html", articles=catalogue().articles(lang, FORMS))

    return router
