"""The studio's web API (``/api/studio/...``) and page (``/studio``) on the web port."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from bot.settings import Settings
from bot.storage.unit_of_work import UnitOfWork
from bot.studio.api.deps import StudioContext, StudioError
from bot.studio.api.routes import articles, inbox, login, models, page, retrain, teach

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

studio_router = APIRouter()
for module in (page, login, inbox, teach, articles, retrain, models):
    studio_router.include_router(module.router)


async def studio_error(request: Request, error: Exception) -> Response:
    """A refusal: ``{"error", "detail"}``, plus ``problems`` for a refused edit."""
    assert isinstance(error, StudioError)
    return JSONResponse(error.body(), status_code=error.status)


def install_studio(app: FastAPI, settings: Settings,
                   unit_of_work: Callable[[], UnitOfWork]) -> None:
    """Adds the studio's page, assets and API to the web port's application.

    Args:
        app: the web port's application.
        settings: paths (content root, var, models, KB index), the tracker store URL
            and Rasa's URL and token.
        unit_of_work: the assistant's database (editors, sessions, inbox decisions,
            votes).
    """
    app.state.studio = StudioContext(settings=settings, unit_of_work=unit_of_work)
    app.add_exception_handler(StudioError, studio_error)
    previous = app.exception_handlers.get(RequestValidationError)

    async def invalid_request(request: Request, error: Exception) -> Response:
        # The studio's own error format; other APIs keep theirs.
        assert isinstance(error, RequestValidationError)
        if request.url.path.startswith("/api/studio/"):
            refusal = StudioError(422, "invalid_request", "the request does not parse",
                                  details=list(error.errors()))
            return JSONResponse(refusal.body(), status_code=422)
        if previous is not None:
            response = previous(request, error)
            return await response if inspect.isawaitable(response) else response
        return JSONResponse({"detail": list(error.errors())}, status_code=422)

    app.add_exception_handler(RequestValidationError, invalid_request)
    app.mount("/studio/static", StaticFiles(directory=STATIC_DIR), name="studio-static")
    app.include_router(studio_router)
