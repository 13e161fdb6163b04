"""Console sessions: log in (sets the session cookie), log out, who am I."""

from __future__ import annotations

from typing import Union

from fastapi import APIRouter, Response

from bot.live_agent.api.deps import (
    SESSION_COOKIE,
    SESSION_COOKIE_MAX_AGE,
    CurrentAgent,
    SecureCookies,
    ServiceDep,
    SessionToken,
)
from bot.live_agent.api.schemas import AgentOut, LoginIn, NoAgentOut, StatusOut
from bot.live_agent.service import TicketError

router = APIRouter(prefix="/api", tags=["login"])


@router.post("/login", response_model=Union[AgentOut, NoAgentOut])
def login(body: LoginIn, response: Response, service: ServiceDep,
          secure_cookies: SecureCookies) -> Union[AgentOut, NoAgentOut]:
    """Checks an agent's password and sets the session cookie; answers with the agent."""
    token = service.login(body.agent_id, body.password)
    if token is None:
        raise TicketError(401, "bad_credentials", "wrong agent id or password")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies, max_age=SESSION_COOKIE_MAX_AGE)
    agent = service.agent_for_session(token)
    return AgentOut.parse_obj(agent) if agent is not None else NoAgentOut()


@router.post("/logout", response_model=StatusOut)
def logout(response: Response, service: ServiceDep,
           session_token: SessionToken = "") -> StatusOut:
    """Ends the console session (if any) and deletes the cookie."""
    service.logout(session_token)
    response.delete_cookie(SESSION_COOKIE)
    return StatusOut(status="logged out")


@router.get("/me", response_model=AgentOut)
def me(agent: CurrentAgent) -> AgentOut:
    """The logged-in agent."""
    return agent
