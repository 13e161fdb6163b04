"""The help-center demo site: home with search, article pages, self-service pages.

Pages are rendered on the server with autoescaping Jinja2 templates; the chat widget
(``static/widget.js``) is embedded on every page with the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.texts.cldr import format_day, language_self_name
from bot.web import demo_content
from bot.web.form_submissions import FORM_KINDS
from bot.web.forms import TITLE_LABELS, install_forms
from bot.web.labels import labels, page_language, widget_config
from bot.web.markdown import render as render_markdown
from kb_index.articles import LANGUAGES, Article
from kb_index.search import relevant_hits

if TYPE_CHECKING:  # the wire formats; bot.web.site_search and .suggestions import this module
    from bot.web.site_search import SiteResults
    from bot.web.suggestions import Suggestion

TEMPLATES = Path(__file__).resolve().parent / "templates"
POPULAR = ("contact-support", "sign-in-password", "audio-not-working", "screen-sharing",
           "recording", "support-plans")
# The self-service forms (``bot.web.forms``); each has a KB article of the same id.
FORMS = FORM_KINDS
# The language menu: each language's name in itself (CLDR's, capitalised for a menu).
LANGUAGE_SELF_NAMES = {code: language_self_name(code) for code in LANGUAGES}
MAX_QUERY_CHARS = 200

# ``(query, lang)`` to the listed results (``SiteResults``), or to ranked hits that the
# page lists through ``relevant_hits`` (a plain sequence: the lexical box, test fakes).
Search = Callable[[str, str], Union["SiteResults", Sequence[Any]]]
# The widget greeting's suggested questions for a language (``bot.web.suggestions``).
Suggest = Callable[[str], List["Suggestion"]]

# Scripts only from this origin (no inline script), so injected markup could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src *; frame-ancestors 'none'; "
                                "form-action 'self'"),
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


def _default_unit_of_work() -> Any:
    from bot import composition

    return composition.unit_of_work()


def site_router(catalogue: Callable[[], Catalogue], search: Search,
                chat_url: Callable[[Request], str], dev_sign_in: bool,
                suggestions: Optional[Suggest] = None,
                unit_of_work: Optional[Callable[[], Any]] = None) -> APIRouter:
    """Builds the site's routes.

    Args:
        catalogue: returns the loaded articles (called per request; cache it).
        search: ``(query, lang)`` to a ``bot.web.site_search.SiteResults`` (listed as
            it is), or to ranked hits with ``id``, ``lexical``, ``dense`` and ``coverage``
            attributes (``kb_index.search.Hit``), of which only those that pass
            ``kb_index.search.relevant_hits`` are listed; may raise ``FileNotFoundError``
            or ``ValueError`` when no index is available.
        chat_url: the help-center channel's base URL as the browser must call it.
        dev_sign_in: whether the "sign in as" selector is offered (development only).
        suggestions: the widget greeting's suggested questions for a language
            (``config.suggestions``); none when omitted.
        unit_of_work: the assistant's database, where the self-service forms are
            stored (``bot.storage.unit_of_work``); default: ``bot.composition``'s.
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
                               devSignIn=dev_sign_in,
                               suggestions=suggestions(lang) if suggestions else [])
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
    def community(request: Request, lang: Optional[str] = None) -> RedirectResponse:
        # The old address (``?lang=``) of the forum, kept for links already given out.
        chosen = lang if lang in LANGUAGES else page_language(
            request.headers.get("accept-language", ""))
        return RedirectResponse(f"/{chosen}/community")

    @router.get("/{lang}", include_in_schema=False)
    def language_root(lang: str) -> RedirectResponse:
        return RedirectResponse(f"/{lang if lang in LANGUAGES else 'en'}/")

    @router.get("/{lang}/", include_in_schema=False)
    def home(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return page(request, lang, "home.html",
                    popular=catalogue().articles(lang, POPULAR),
                    home_videos=demo_content.videos().home_videos(),
                    topics=demo_content.help_center().topics,
                    articles=catalogue().by_id[lang])

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
        ranking = "hybrid"
        if query:
            try:
                found = search(query, lang)
                if isinstance(found, Sequence):
                    # Ten ranked candidates; list only the relevant ones, so a query
                    # nothing answers says "no results".
                    ids, ranking = [hit.id for hit in relevant_hits(found)], "lexical"
                else:
                    ids = [hit.id for hit in found.hits]
                    ranking = "lexical" if found.degraded else "hybrid"
            except (FileNotFoundError, ValueError):
                ids, unavailable = [], True
            # ``articles`` with no ids means every article: no ids must list nothing.
            results = catalogue().articles(lang, ids) if ids else []
        # ``ranking`` is a quiet marker (a data attribute) for support and tests: the
        # lexical fallback when the assistant gave no vector is not worth alarming anyone.
        return page(request, lang, "search.html", query=query, results=results,
                    unavailable=unavailable, ranking=ranking)

    @router.get("/{lang}/videos", include_in_schema=False)
    def videos(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        content = demo_content.videos()
        return page(request, lang, "videos.html", topics=content.topics,
                    training=content.training, articles=catalogue().by_id[lang])

    @router.get("/{lang}/community", include_in_schema=False)
    def community_page(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        forum = demo_content.community()
        return page(request, lang, "community.html", categories=forum.categories,
                    threads=forum.threads,
                    category_titles={c.id: c.title[lang] for c in forum.categories},
                    dates={t.id: format_day(t.last_activity, lang, weekday=False, year=True)
                           for t in forum.threads})

    @router.get("/{lang}/contact", include_in_schema=False)
    def contact(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        return page(request, lang, "contact.html", articles=catalogue().by_id[lang],
                    forms=[(kind, TITLE_LABELS[kind]) for kind in FORMS])

    @router.get("/{lang}/top-resources", include_in_schema=False)
    def top_resources(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        articles, videos = catalogue().by_id[lang], demo_content.video_by_id()
        # (title, link, is a video) in the file's order; unknown ids are left out.
        entries: List[Tuple[str, str, bool]] = []
        for resource in demo_content.help_center().top_resources:
            if resource.article in articles:
                found = articles[resource.article]
                entries.append((found.title, found.url, False))
            elif resource.video in videos:
                video = videos[resource.video]
                entries.append((video.title[lang], f"/{lang}/videos#video-{video.id}", True))
        return page(request, lang, "top_resources.html", entries=entries)

    @router.get("/{lang}/release-notes", include_in_schema=False)
    def release_notes(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        notes = demo_content.release_notes().notes
        return page(request, lang, "release_notes.html", notes=notes,
                    dates={n.version: format_day(n.date, lang, weekday=False, year=True)
                           for n in notes})

    # /{lang}/forms, each form (GET and POST) and its confirmation page.
    install_forms(router, page, lambda lang: catalogue().by_id[lang],
                  unit_of_work or _default_unit_of_work)

    # Keep this route last: any other address a browser asks for is the site's own 404
    # page (with the header, the search box and the way back) in the address's language,
    # else the browser's, not FastAPI's JSON; an API client (no text/html) keeps the JSON.
    # Every method: a POST to an unknown address is a 404, not a 405 for this route.
    @router.api_route("/{lang}/{rest:path}", include_in_schema=False,
                      methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def unknown_page(request: Request, lang: str, rest: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        if lang in LANGUAGES:
            return not_found(request, lang)
        if "text/html" in request.headers.get("accept", ""):
            return not_found(request, page_language(request.headers.get("accept-language", "")))
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    return router
