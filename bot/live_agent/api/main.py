"""The live-agent application: the routers, the error format, the console's static files."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from bot.live_agent.api.deps import LiveAgentContext
from bot.live_agent.api.routes import (
    agents,
    console,
    health,
    login,
    notifications,
    reports,
    tickets,
)
from bot.live_agent.api.schemas import ErrorOut
from bot.live_agent.service import LiveAgentService, TicketError

# Included in this order (a path's methods in their order: it names the Allow header of a 405).
api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(console.router)
api_router.include_router(tickets.router)
api_router.include_router(tickets.canned_router)
api_router.include_router(notifications.router)
api_router.include_router(login.router)
api_router.include_router(agents.router)
api_router.include_router(reports.router)
# No development-only routes: the demo agents are seeded by ``build_app`` (development), and
# the help center's development sign-in belongs to ``bot.web``.


async def ticket_error(request: Request, error: TicketError) -> JSONResponse:
    """A refusal of the queue or of the credential checks."""
    body = ErrorOut(error=error.code, detail=error.detail)
    return JSONResponse(body.dict(), status_code=error.status)


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A body, header or query that does not parse: FastAPI's errors in the API's format."""
    body = ErrorOut(error="invalid_request", detail=list(error.errors()))
    return JSONResponse(body.dict(), status_code=422)


def create_app(service: LiveAgentService, service_token: str,
               secure_cookies: bool = False) -> FastAPI:
    """Builds the application around a service and the assistant's token.

    Args:
        service: the queue.
        service_token: the token the assistant sends as ``Authorization: Bearer``.
        secure_cookies: mark the session cookie ``Secure`` (production).
    """
    app = FastAPI(title="helpbot live-agent service", docs_url=None, redoc_url=None,
                  exception_handlers={TicketError: ticket_error,
                                      RequestValidationError: invalid_request})
    app.state.live_agent = LiveAgentContext(service, service_token, secure_cookies)
    app.mount("/static", StaticFiles(directory=console.STATIC_DIR), name="static")
    app.include_router(api_router)
    return app
