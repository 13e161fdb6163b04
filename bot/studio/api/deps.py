"""Every dependency of the studio's routes, with its ``Annotated`` alias.

An editor signs in with ``POST /api/studio/login``, which sets the session cookie; every
other route needs it. Refusals are ``StudioError``s, answered as
``{"error": code, "detail": text}`` (``problems`` added for a refused edit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Callable, List, Optional

from fastapi import Cookie, Depends, Request

from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.studio.api.schemas import ErrorOut, ProblemOut
from bot.studio.editors import EditorView

SESSION_COOKIE = "helpbot_editor_session"
SESSION_COOKIE_MAX_AGE = 12 * 3600


class StudioError(Exception):
    """A refusal with an HTTP status, a stable code and a sentence for people."""

    def __init__(self, status: int, code: str, detail: str,
                 problems: Optional[List[ProblemOut]] = None,
                 details: Optional[list] = None, job_id: Optional[str] = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.problems = problems or []
        self.details, self.job_id = details, job_id

    def body(self) -> dict:
        """The JSON body (``ErrorOut``)."""
        return ErrorOut(error=self.code, detail=self.detail, problems=self.problems,
                        details=self.details, job_id=self.job_id).dict(exclude_none=True)


@dataclass(frozen=True)
class StudioContext:
    """What ``install_studio`` was given; kept on ``app.state.studio``."""

    settings: Settings
    unit_of_work: Callable[[], UnitOfWork]
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


def get_context(request: Request) -> StudioContext:
    """The studio's settings and database of the app serving this request."""
    context: StudioContext = request.app.state.studio
    return context


ContextDep = Annotated[StudioContext, Depends(get_context)]
SessionToken = Annotated[str, Cookie(alias=SESSION_COOKIE)]


def get_current_editor(context: ContextDep, session_token: SessionToken = "") -> EditorView:
    """The signed-in editor; 401 for anyone else."""
    with context.unit_of_work() as uow:
        editor = uow.editors.editor_for_session(session_token, context.clock())
    if editor is None:
        raise StudioError(401, "unauthorized", "sign in to the studio")
    return editor


CurrentEditor = Annotated[EditorView, Depends(get_current_editor)]
