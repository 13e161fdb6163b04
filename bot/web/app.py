"""The application on the web port.

Help-center site, widget files, development sign-in, the editors' studio and (unless it
runs elsewhere) the live-agent API and console.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, List, Optional

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from bot.settings import Settings, get_settings
from bot.web.dev_sign_in import dev_sign_in_router
from bot.web.kb_api import kb_api_router
from bot.web.site import Catalogue, Search, Suggest, site_router

STATIC_DIR = Path(__file__).resolve().parent / "static"


def kb_catalogue() -> Catalogue:
    """The KB articles of the content root's ``data/kb``, read again when a file changes.

    An article an editor creates in the studio has its page at once.
    """
    from kb_index.articles import source_stamp

    folder = get_settings().content_root / "data" / "kb"
    return _catalogue(folder, source_stamp(folder))


@lru_cache(maxsize=2)
def _catalogue(folder: Path, stamp: tuple) -> Catalogue:
    from kb_index.articles import load_articles

    return Catalogue.of(load_articles(folder))


def lexical_search(query: str, lang: str) -> List[Any]:
    """The KB index's lexical ranking (no embedding model here): the old search box."""
    from bot import composition
    from kb_index.search import SearchConfig

    return composition.site_kb_searcher().index().search(query, lang, k=10,
                                                         config=SearchConfig(dense=False))


def site_search(settings: Settings) -> Search:
    """The search box: the chat's hybrid ranking with the query's vector from Rasa.

    The vector comes from Rasa's ``/model/parse`` (``bot.web.site_search``); the embedding
    model is never loaded in this process.
    """
    from bot import composition
    from bot.web.site_search import rasa_site_search

    return rasa_site_search(settings.rasa_url, settings.rasa_token,
                            lambda: composition.site_kb_searcher().index())


def greeting_suggestions(settings: Settings,
                         catalogue: Callable[[], Catalogue] = kb_catalogue) -> Suggest:
    """The widget greeting's suggestions: the most-asked articles in Rasa's tracker store."""
    from bot.web.suggestions import tracker_store_suggestions

    return tracker_store_suggestions(settings.tracker_store_url, catalogue)


def install_default_dashboard(app: FastAPI, settings: Settings,
                              catalogue: Callable[[], Catalogue] = kb_catalogue) -> None:
    """The managers' dashboard: the rollup's figures and the live-agent service's, over HTTP.

    The live-agent service is asked at ``settings.web_url`` (where ``make run`` serves it,
    on this same origin: the console's sign-in cookie reaches both).
    """
    from bot.dashboard.api import install_dashboard
    from bot.dashboard.sources import AssistantFigures, TicketFigures

    def titles(article_id: str, lang: str) -> Optional[str]:
        article = catalogue().by_id.get(lang, {}).get(article_id)
        return None if article is None else str(article.title)

    install_dashboard(app, AssistantFigures.of_urls(settings.tracker_store_url,
                                                    settings.database_url),
                      TicketFigures(settings.web_url), titles)


def chat_url_for(settings: Settings) -> Callable[[Request], str]:
    """The help-center channel's URL as the browser reaches it: same host as the page."""
    def url(request: Request) -> str:
        if settings.public_chat_url:
            return settings.public_chat_url.rstrip("/")
        host = request.url.hostname or settings.host
        return f"{request.url.scheme}://{host}:{settings.rasa_port}/webhooks/helpcenter"
    return url


def create_web_app(settings: Settings, app: Optional[FastAPI] = None,
                   catalogue: Callable[[], Catalogue] = kb_catalogue,
                   search: Optional[Search] = None,
                   suggestions: Optional[Suggest] = None,
                   unit_of_work: Optional[Callable[[], Any]] = None,
                   studio: bool = True, dashboard: bool = True) -> FastAPI:
    """Adds the help-center site to ``app`` (the live-agent app) or to a new app.

    Args:
        settings: ports, environment and secrets.
        app: the application to extend; a new one when the live agent runs elsewhere.
        catalogue: the KB articles.
        search: the search box's ranking; default: ``site_search`` (hybrid, the vector
            from Rasa, the lexical ranking when Rasa does not answer).
        suggestions: the widget greeting's suggested questions; default:
            ``greeting_suggestions`` (from the tracker store, cached).
        unit_of_work: the assistant's database: the demo users (development only),
            the studio's editors, decisions and votes, and the self-service forms sent.
        studio: serve the editors' studio (``/studio``, ``/api/studio``).
        dashboard: serve the managers' dashboard (``/dashboard``, ``/api/dashboard``).
    """
    if app is None:
        app = FastAPI(title="helpbot help center", docs_url=None, redoc_url=None)
    app.mount("/assets", StaticFiles(directory=STATIC_DIR), name="assets")
    dev = settings.environment == "development"
    if dev:
        if unit_of_work is None:
            from bot import composition

            unit_of_work = composition.unit_of_work
        app.include_router(dev_sign_in_router(unit_of_work, settings.jwt_secret))
    # Before the site: its /{lang} pages would take /studio for a language.
    if studio:
        from bot.studio.api import install_studio

        if unit_of_work is None:
            from bot import composition

            unit_of_work = composition.unit_of_work
        install_studio(app, settings, unit_of_work)
    if dashboard:  # before the site, for the same reason
        install_default_dashboard(app, settings, catalogue)
    if search is None:
        search = site_search(settings)
    if suggestions is None:
        suggestions = greeting_suggestions(settings, catalogue)
    # Before the site: its /{lang} pages would take /api for a language.
    app.include_router(kb_api_router(catalogue, search))
    app.include_router(site_router(catalogue, search, chat_url_for(settings), dev_sign_in=dev,
                                   suggestions=suggestions, unit_of_work=unit_of_work))
    return app
