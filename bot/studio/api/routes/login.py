"""Studio sessions: sign in (sets the session cookie), sign out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Response

from bot.studio.api.deps import (
    SESSION_COOKIE,
    SESSION_COOKIE_MAX_AGE,
    ContextDep,
    CurrentEditor,
    SessionToken,
    StudioError,
)
from bot.studio.api.schemas import EditorOut, LoginIn, StatusOut

router = APIRouter(prefix="/api/studio", tags=["studio"])


@router.post("/login", response_model=EditorOut)
def login(body: LoginIn, response: Response, context: ContextDep) -> EditorOut:
    """Checks an editor's password and sets the session cookie; answers with the editor."""
    now = context.clock()
    with context.unit_of_work() as uow:
        token = uow.editors.sign_in(body.editor_id, body.password, now)
    if token is None:
        raise StudioError(401, "bad_credentials", "wrong editor id or password")
    with context.unit_of_work() as uow:
        editor = uow.editors.editor_for_session(token, now)
    if editor is None:  # pragma: no cover - the session was just written
        raise StudioError(500, "no_session", "the session could not be stored")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=context.settings.environment == "production",
                        max_age=SESSION_COOKIE_MAX_AGE)
    return EditorOut(**editor.__dict__)


@router.post("/logout", response_model=StatusOut)
def logout(response: Response, context: ContextDep,
           session_token: SessionToken = "") -> StatusOut:
    """Ends the studio session (if any) and deletes the cookie."""
    with context.unit_of_work() as uow:
        uow.editors.sign_out(session_token)
    response.delete_cookie(SESSION_COOKIE)
    return StatusOut(status="signed out")


@router.get("/me", response_model=EditorOut)
def me(editor: CurrentEditor) -> EditorOut:
    """The signed-in editor."""
    return EditorOut(**editor.__dict__)
