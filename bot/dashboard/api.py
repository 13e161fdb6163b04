"""The dashboard's page (``/dashboard``) and figures (``GET /api/dashboard/figures``).

Sign-in is the live-agent console's: the page's form calls ``POST /api/login`` on the
same origin, which sets the console's session cookie. The page answers:

- nobody signed in (or the session expired): the sign-in form (200);
- a signed-in agent who is not a manager: 403, a page that says so;
- a manager: the dashboard.

``GET /api/dashboard/figures?days=7|30&lang=all|<lang>&plan=all|<plan>`` answers the
figures (``DashboardFigures``) to a manager; 401 / 403 otherwise, as
``{"error", "detail"}``; 422 for an unknown period, language or plan; 502 when the
live-agent service cannot be asked. Any other ``/dashboard/…`` address is a 404: the
page's own for a browser, JSON for other clients.

``GET /api/dashboard/texts?lang=<lang>`` answers the page's own labels in a language
(``DashboardTexts``), to anyone: the sign-in form needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Optional

from fastapi import APIRouter, Cookie, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from bot.dashboard.figures import ALL, PLAN_FILTER, DashboardFigures, Titles, dashboard_figures
from bot.dashboard.sources import AGENT_SESSION_COOKIE, TicketAnswer
from bot.dashboard.texts import DashboardTexts, dashboard_texts
from bot.reporting.figures import AssistantReport

STATIC_DIR = Path(__file__).resolve().parent / "static"
PERIODS = (7, 30)

AssistantSource = Callable[[date, date, Optional[str]], AssistantReport]
TicketSource = Callable[[date, date, str], TicketAnswer]


@dataclass(frozen=True)
class DashboardContext:
    """What ``install_dashboard`` was given; kept on ``app.state.dashboard``."""

    assistant: AssistantSource
    tickets: TicketSource
    titles: Titles
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))


def _context(request: Request) -> DashboardContext:
    context: DashboardContext = request.app.state.dashboard
    return context


def _refusal(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def period(days: int, today: date) -> tuple[date, date]:
    """The last ``days`` UTC days, today included: ``[since, until)``."""
    return today - timedelta(days=days - 1), today + timedelta(days=1)


router = APIRouter(tags=["dashboard"])
SessionCookie = Cookie(default="", alias=AGENT_SESSION_COOKIE)


@router.get("/dashboard", include_in_schema=False)
def dashboard_page(request: Request, session: str = SessionCookie) -> Response:
    """The page, in the state its viewer gets: sign-in, not a manager, or the dashboard."""
    state = "signin"
    if session:
        today = _context(request).clock().date()
        answer = _context(request).tickets(today, today + timedelta(days=1), session)
        state = {200: "board", 403: "forbidden"}.get(answer.status, "signin")
        if answer.status not in (200, 401, 403):
            state = "unavailable"
    html = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace('data-state="signin"', f'data-state="{state}"'),
                        status_code=403 if state == "forbidden" else 200,
                        headers={"Cache-Control": "no-store"})


@router.get("/dashboard/{rest:path}", include_in_schema=False)
def unknown_page(request: Request, rest: str) -> Response:
    """Any other address under ``/dashboard/``: the page's own 404 for a browser.

    As the help-center site does: a client that asks for HTML gets the dashboard's page
    in its "notfound" state (its texts, a link back); any other keeps FastAPI's JSON.
    ``/dashboard/`` itself is the dashboard.
    """
    if not rest:
        return RedirectResponse("/dashboard")
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    html = (STATIC_DIR / "dashboard.html").read_text(encoding="utf-8")
    return HTMLResponse(html.replace('data-state="signin"', 'data-state="notfound"'),
                        status_code=404, headers={"Cache-Control": "no-store"})


@router.get("/api/dashboard/figures", response_model=DashboardFigures)
def figures(request: Request, days: str = Query("7", max_length=10),
            lang: str = Query(ALL, max_length=100), plan: str = Query(ALL, max_length=100),
            session: str = SessionCookie) -> Response:
    """The figures of the last ``days`` UTC days for a language and plan (or all).

    Every filter is checked against its known values (422, never echoed back).
    """
    if days not in {str(n) for n in PERIODS}:
        return _refusal(422, "invalid_period", "days is 7 or 30")
    if lang != ALL and lang not in SUPPORTED_LANGUAGES:
        return _refusal(422, "invalid_language", f"lang is 'all' or one of "
                                                 f"{', '.join(SUPPORTED_LANGUAGES)}")
    if plan != ALL and plan not in PLAN_FILTER:
        return _refusal(422, "invalid_plan", f"plan is 'all' or one of {', '.join(PLAN_FILTER)}")
    if not session:
        return _refusal(401, "unauthorized", "sign in as a manager")
    context = _context(request)
    since, until = period(int(days), context.clock().date())
    answer = context.tickets(since, until, session)
    if answer.status == 401:
        return _refusal(401, "unauthorized", "sign in as a manager")
    if answer.status == 403:
        return _refusal(403, "managers_only", "only a manager may see the figures")
    if answer.status != 200:
        return _refusal(502, "live_agent_unavailable",
                        "the live-agent service did not answer; try again")
    assistant = context.assistant(since, until, None if plan == ALL else plan)
    result = dashboard_figures(assistant, answer.figures, int(days), context.titles, lang,
                               plan)
    return JSONResponse(result.dict(), headers={"Cache-Control": "no-store"})


@router.get("/api/dashboard/texts", response_model=DashboardTexts)
def texts(lang: str = Query(DEFAULT_LANGUAGE, max_length=5)) -> Response:
    """The page's labels, headings and messages in ``lang``."""
    if lang not in SUPPORTED_LANGUAGES:
        return _refusal(422, "invalid_language", f"lang is one of {', '.join(SUPPORTED_LANGUAGES)}")
    return JSONResponse(dashboard_texts(lang).dict())


def install_dashboard(app: FastAPI, assistant: AssistantSource, tickets: TicketSource,
                      titles: Titles,
                      clock: Optional[Callable[[], datetime]] = None) -> None:
    """Adds the dashboard's page, assets and API to the web port's application.

    Args:
        app: the web port's application (before the site's router: its ``/{lang}``
            pages would take ``/dashboard`` for a language).
        assistant: the assistant's report for a period (``sources.AssistantFigures``).
        tickets: the humans' figures, asked as the signed-in agent
            (``sources.TicketFigures``).
        titles: KB article titles by id and language.
        clock: the current time (UTC); tests freeze it.
    """
    app.state.dashboard = (DashboardContext(assistant, tickets, titles) if clock is None
                           else DashboardContext(assistant, tickets, titles, clock))
    app.mount("/dashboard/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
    app.include_router(router)
