"""Every dependency of the live-agent routes, with its ``Annotated`` alias.

A caller is either the assistant, with the shared service token
(``Authorization: Bearer <token>``), or a logged-in agent, with the session cookie set by
``POST /api/login``. A request that carries an ``Authorization`` header is judged by the
header alone. Refusals are ``TicketError``s, so they answer in the API's error format.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal, Optional

from fastapi import Cookie, Depends, Header, Request

from bot.live_agent.api.schemas import AgentOut
from bot.live_agent.service import LiveAgentService, TicketError

SESSION_COOKIE = "helpbot_agent_session"
SESSION_COOKIE_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class LiveAgentContext:
    """What ``create_app`` was given; kept on ``app.state.live_agent``."""

    service: LiveAgentService
    service_token: str
    secure_cookies: bool = False


@dataclass(frozen=True)
class Caller:
    """Who is calling: the assistant (service token) or a logged-in agent."""

    kind: Literal["service", "agent"]
    agent: Optional[AgentOut] = None

    @property
    def agent_id(self) -> Optional[str]:
        """The agent's id; None for the assistant."""
        return self.agent.id if self.agent is not None else None


def get_context(request: Request) -> LiveAgentContext:
    """The service, token and cookie policy of the app serving this request."""
    context: LiveAgentContext = request.app.state.live_agent
    return context


ContextDep = Annotated[LiveAgentContext, Depends(get_context)]


def get_service(context: ContextDep) -> LiveAgentService:
    """The live-agent queue."""
    return context.service


ServiceDep = Annotated[LiveAgentService, Depends(get_service)]


def get_secure_cookies(context: ContextDep) -> bool:
    """Whether the session cookie is marked ``Secure`` (production)."""
    return context.secure_cookies


SecureCookies = Annotated[bool, Depends(get_secure_cookies)]

# The console's session token ("" without the cookie).
SessionToken = Annotated[str, Cookie(alias=SESSION_COOKIE)]


def get_caller(context: ContextDep,
               authorization: Annotated[Optional[str], Header()] = None,
               session_token: SessionToken = "") -> Caller:
    """The assistant or the logged-in agent; 401 for anyone else."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip(),
                                                              context.service_token):
            return Caller(kind="service")
        raise TicketError(401, "unauthorized", "invalid service token")
    agent = context.service.agent_for_session(session_token)
    if agent is None:
        raise TicketError(401, "unauthorized", "log in or send the service token")
    return Caller(kind="agent", agent=AgentOut.parse_obj(agent))


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_current_agent(caller: CallerDep) -> AgentOut:
    """The logged-in agent; 403 for the assistant."""
    if caller.agent is None:
        raise TicketError(403, "agents_only", "only a logged-in agent may do this")
    return caller.agent


CurrentAgent = Annotated[AgentOut, Depends(get_current_agent)]


def get_assistant(caller: CallerDep) -> Caller:
    """The assistant (service token); 403 for agents."""
    if caller.kind != "service":
        raise TicketError(403, "service_only", "only the assistant may do this")
    return caller


AssistantCaller = Annotated[Caller, Depends(get_assistant)]


def get_report_reader(caller: CallerDep, context: ContextDep) -> Caller:
    """The assistant (service token) or a manager; 403 for other agents."""
    if caller.kind == "service" or (caller.agent_id is not None
                                    and context.service.is_manager(caller.agent_id)):
        return caller
    raise TicketError(403, "managers_only", "only a manager may see the figures")


ReportReader = Annotated[Caller, Depends(get_report_reader)]
