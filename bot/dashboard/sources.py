"""Where the dashboard reads its figures.

- The assistant's: the rollup of ``bot.reporting``, brought up to date (incrementally)
  before every read; runs in other processes wait on the rollup's lock.
- The humans': the live-agent service's ``GET /api/reports/tickets``, over HTTP, asked
  with the signed-in agent's console session cookie. The service answers 401 (no or
  expired session), 403 (not a manager) or the figures; the dashboard passes that on, so
  it never decides by itself who is a manager and never lends its service token to a
  browser's request.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Dict, Optional, Tuple

import requests
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.reporting.figures import (
    TOP_TOPICS,
    AssistantReport,
    day_rows,
    topic_rows,
    vote_rows,
)

# The live-agent console's session cookie (``bot.live_agent.api.deps.SESSION_COOKIE``;
# a test keeps the two equal). ``POST /api/login`` sets it on the web port's origin.
AGENT_SESSION_COOKIE = "helpbot_agent_session"

logger = logging.getLogger(__name__)


class AssistantFigures:
    """The assistant's report for a period, from an up-to-date rollup.

    Args:
        engines: (Rasa's SQL tracker store, read only; the assistant's database, at the
            latest migration); called once, on the first read.
    """

    def __init__(self, engines: Callable[[], Tuple[Engine, Engine]]) -> None:
        self._engines = engines
        self._opened: Optional[Tuple[Engine, Engine]] = None
        self._lock = threading.Lock()

    @classmethod
    def of_urls(cls, tracker_store_url: str, database_url: str) -> AssistantFigures:
        """Engines made from URLs on first use; the database must be at the latest schema."""
        def engines() -> Tuple[Engine, Engine]:
            from bot.storage.engine import make_engine, require_current_schema

            db = make_engine(database_url)
            require_current_schema(db)
            return make_engine(tracker_store_url), db

        return cls(engines)

    def __call__(self, since: date, until: date, plan: Optional[str] = None
                 ) -> AssistantReport:
        """Every language and plan's rows; topics only of ``plan`` when given."""
        from bot.reporting.rollup import update

        with self._lock:  # one update at a time in this process; other processes wait
            if self._opened is None:                     # on the rollup's lock row
                self._opened = self._engines()
            tracker, db = self._opened
            try:
                update(tracker, db)
            except OperationalError:
                # SQLite: another process's long first rollup still holds the lock;
                # the page shows the figures as of that run's last commit.
                logger.warning("reporting rollup busy; figures shown without this "
                               "update", exc_info=True)
        return {"since": since.isoformat(), "until": until.isoformat(),
                "days": day_rows(db, since, until),
                "votes": vote_rows(db, since, until),
                "topics": topic_rows(db, since, until, TOP_TOPICS, plan=plan)}


@dataclass(frozen=True)
class TicketAnswer:
    """The live-agent service's answer: its status (0: unreachable) and figures."""

    status: int
    figures: Optional[Dict[str, Any]] = None


class TicketFigures:
    """Asks the live-agent service for the humans' figures, as the signed-in agent.

    Args:
        base_url: the live-agent service (``Settings.web_url`` when co-located).
        timeout: seconds; the page must not hang on a slow service.
    """

    def __init__(self, base_url: str, timeout: float = 10.0,
                 session: Optional[requests.Session] = None) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._http = session or requests.Session()

    def __call__(self, since: date, until: date, agent_session: str) -> TicketAnswer:
        """``GET /api/reports/tickets`` with the agent's session cookie."""
        try:
            response = self._http.get(
                f"{self._base}/api/reports/tickets",
                params={"since": since.isoformat(), "until": until.isoformat()},
                headers={"Cookie": f"{AGENT_SESSION_COOKIE}={agent_session}"},
                timeout=self._timeout)
        except requests.RequestException:
            return TicketAnswer(0)
        if response.status_code != 200:
            return TicketAnswer(response.status_code)
        return TicketAnswer(200, response.json())
