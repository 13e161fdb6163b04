"""The live-agent HTTP API and the agent console (FastAPI).

Every endpoint needs either the service token (``Authorization: Bearer``, the
assistant) or a logged-in agent (the session cookie set by ``POST /api/login``).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

from fastapi import Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from bot.live_agent.service import LiveAgentService, NewTicket, TicketError

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "helpbot_agent_session"


class Principal(BaseModel):
    """Who is calling: the assistant (service token) or an agent."""

    kind: str
    agent_id: Optional[str] = None


class TicketIn(BaseModel):
    """A handoff from the assistant."""

    id: str = Field(..., min_length=1, max_length=64)
    sender_id: str = Field(..., min_length=1, max_length=128)
    user_id: str = Field(..., min_length=1, max_length=64)
    user_name: str = Field("", max_length=200)
    user_email: str = Field("", max_length=254)
    account_id: str = Field(..., min_length=1, max_length=64)
    plan: str = Field(..., max_length=20)
    support_tier: str = Field(..., max_length=20)
    language: str = Field(..., min_length=2, max_length=5)
    priority: str = Field(..., regex=r"^P[1-4]$")
    first_response_due: datetime
    resolution_due: Optional[datetime] = None
    report: Dict[str, Any] = Field(default_factory=dict)
    transcript: List[Dict[str, Any]] = Field(default_factory=list)
    # Also sent as the Idempotency-Key header; the header is what counts.
    idempotency_key: Optional[str] = None


class MessageIn(BaseModel):
    """A message in a ticket's conversation."""

    text: str


class RatingIn(BaseModel):
    """The user's satisfaction rating."""

    rating: int


class LoginIn(BaseModel):
    """Console credentials."""

    agent_id: str
    password: str


class OnlineIn(BaseModel):
    """An agent's availability."""

    online: bool


def create_app(service: LiveAgentService, service_token: str,
               secure_cookies: bool = False) -> FastAPI:
    """Builds the application around a service and the assistant's token."""
    app = FastAPI(title="helpbot live-agent service", docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(TicketError)
    async def ticket_error(request: Request, error: TicketError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": error.detail},
                            status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "detail": error.errors()},
                            status_code=422)

    def principal(request: Request, authorization: Optional[str] = Header(None)) -> Principal:
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(token.strip(),
                                                                  service_token):
                return Principal(kind="service")
            raise TicketError(401, "unauthorized", "invalid service token")
        agent = service.agent_for_session(request.cookies.get(SESSION_COOKIE, ""))
        if agent is None:
            raise TicketError(401, "unauthorized", "log in or send the service token")
        return Principal(kind="agent", agent_id=agent["id"])

    def agent_only(who: Principal = Depends(principal)) -> Principal:
        if who.kind != "agent":
            raise TicketError(403, "agents_only", "only a logged-in agent may do this")
        return who

    def service_only(who: Principal = Depends(principal)) -> Principal:
        if who.kind != "service":
            raise TicketError(403, "service_only", "only the assistant may do this")
        return who

    @app.get("/health")
    def health() -> Dict[str, str]:
        return {"status": "ok"}

    @app.get("/console", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(STATIC_DIR / "console.html")

    @app.post("/api/tickets")
    def create_ticket(body: TicketIn, response: Response,
                      idempotency_key: str = Header(..., max_length=200),
                      who: Principal = Depends(service_only)) -> Dict[str, Any]:
        fields = body.dict(exclude={"idempotency_key"})
        ticket, created, online = service.create_ticket(NewTicket(
            idempotency_key=idempotency_key, **fields))
        response.status_code = 201 if created else 200
        return {**ticket.as_json(details=False), "agents_online": online}

    @app.get("/api/tickets")
    def list_tickets(include_resolved: bool = False,
                     who: Principal = Depends(principal)) -> List[Dict[str, Any]]:
        return [t.as_json(details=False) for t in service.queue(include_resolved)]

    @app.get("/api/tickets/{ticket_id}")
    def get_ticket(ticket_id: str, who: Principal = Depends(principal)) -> Dict[str, Any]:
        return service.ticket(ticket_id).as_json()

    @app.post("/api/tickets/{ticket_id}/claim")
    def claim(ticket_id: str, who: Principal = Depends(agent_only)) -> Dict[str, Any]:
        return service.claim(ticket_id, str(who.agent_id)).as_json()

    @app.get("/api/tickets/{ticket_id}/messages")
    def messages(ticket_id: str, after: int = 0,
                 who: Principal = Depends(principal)) -> List[Dict[str, Any]]:
        return service.messages(ticket_id, after)

    @app.post("/api/tickets/{ticket_id}/messages", status_code=201)
    def post_message(ticket_id: str, body: MessageIn,
                     who: Principal = Depends(principal)) -> Dict[str, Any]:
        # The assistant relays the user's messages; agents answer as themselves.
        author = "user" if who.kind == "service" else "agent"
        return service.add_message(ticket_id, author, body.text, who.agent_id)

    @app.post("/api/tickets/{ticket_id}/resolve")
    def resolve(ticket_id: str, who: Principal = Depends(agent_only)) -> Dict[str, Any]:
        return service.resolve(ticket_id, str(who.agent_id)).as_json()

    @app.post("/api/tickets/{ticket_id}/rating")
    def rate(ticket_id: str, body: RatingIn,
             who: Principal = Depends(service_only)) -> Dict[str, Any]:
        return service.rate(ticket_id, body.rating).as_json(details=False)

    @app.get("/api/tickets/{ticket_id}/notifications")
    def notifications(ticket_id: str,
                      who: Principal = Depends(principal)) -> List[Dict[str, Any]]:
        return service.notifications(ticket_id)

    @app.post("/api/login")
    def login(body: LoginIn, response: Response) -> Dict[str, Any]:
        token = service.login(body.agent_id, body.password)
        if token is None:
            raise TicketError(401, "bad_credentials", "wrong agent id or password")
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            secure=secure_cookies, max_age=12 * 3600)
        return service.agent_for_session(token) or {}

    @app.post("/api/logout")
    def logout(request: Request, response: Response) -> Dict[str, str]:
        service.logout(request.cookies.get(SESSION_COOKIE, ""))
        response.delete_cookie(SESSION_COOKIE)
        return {"status": "logged out"}

    @app.get("/api/me")
    def me(request: Request, who: Principal = Depends(agent_only)) -> Dict[str, Any]:
        return service.agent_for_session(request.cookies.get(SESSION_COOKIE, "")) or {}

    @app.post("/api/me/online")
    def set_online(body: OnlineIn, who: Principal = Depends(agent_only)) -> Dict[str, Any]:
        return service.set_online(str(who.agent_id), body.online)

    return app
