"""Every live-agent route declares a typed response model (and the check can fail)."""

from __future__ import annotations

from typing import Any, Dict, List, Union, get_args, get_origin

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.orm import sessionmaker

from bot.live_agent.api import create_app
from bot.live_agent.service import LiveAgentService

# The live-agent API's URLs, as they were before the routers were split: none may move.
LIVE_AGENT_ROUTES = {
    ("GET", "/health"),
    ("GET", "/console"),
    ("GET", "/api/console/texts"),
    ("POST", "/api/tickets"),
    ("GET", "/api/tickets"),
    ("GET", "/api/tickets/{ticket_id}"),
    ("POST", "/api/tickets/{ticket_id}/claim"),
    ("GET", "/api/tickets/{ticket_id}/messages"),
    ("POST", "/api/tickets/{ticket_id}/messages"),
    ("POST", "/api/tickets/{ticket_id}/resolve"),
    ("POST", "/api/tickets/{ticket_id}/rating"),
    ("GET", "/api/tickets/{ticket_id}/notifications"),
    ("GET", "/api/canned"),
    ("POST", "/api/login"),
    ("POST", "/api/logout"),
    ("GET", "/api/me"),
    ("POST", "/api/me/online"),
    ("GET", "/api/reports/tickets"),
}


def is_typed(model: Any) -> bool:
    """A pydantic model, or a list or union of them (a bare dict is not typed)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return True
    if get_origin(model) in (list, Union):
        return all(is_typed(arg) for arg in get_args(model))
    return False


def serves_a_file(route: APIRoute) -> bool:
    """A route that declares it answers with a file (no JSON body to type)."""
    return (isinstance(route.response_class, type)
            and issubclass(route.response_class, FileResponse))


def routes_without_response_model(app: FastAPI) -> List[str]:
    """``"METHOD /path"`` of every JSON route whose response model is missing or untyped."""
    missing = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue  # the /static mount, /openapi.json
        if route.response_model is None and serves_a_file(route):
            continue
        if not is_typed(route.response_model):
            missing.extend(f"{method} {route.path}" for method in sorted(route.methods))
    return missing


def live_agent_app() -> FastAPI:
    # Building the app touches no database.
    return create_app(LiveAgentService(sessionmaker()), "token")


def test_every_live_agent_route_has_a_response_model():
    app = live_agent_app()
    routes = {(method, route.path) for route in app.routes if isinstance(route, APIRoute)
              for method in route.methods}
    assert routes == LIVE_AGENT_ROUTES
    assert routes_without_response_model(app) == []


def test_only_the_console_page_goes_without_a_model():
    (console,) = [r for r in live_agent_app().routes
                  if isinstance(r, APIRoute) and r.response_model is None]
    assert console.path == "/console" and serves_a_file(console)


class Thing(BaseModel):
    name: str


def test_the_check_fails_for_a_route_without_a_typed_model():
    app = FastAPI()

    @app.get("/typed", response_model=Thing)
    def typed() -> Thing:
        return Thing(name="x")

    @app.get("/typed-list", response_model=List[Thing])
    def typed_list() -> List[Thing]:
        return []

    @app.get("/file", response_class=FileResponse)
    def declared_file() -> FileResponse:
        return FileResponse(__file__)

    @app.get("/untyped")
    def untyped():
        return {"name": "x"}

    @app.post("/bare-dict")
    def bare_dict() -> Dict[str, Any]:  # FastAPI infers response_model=Dict[str, Any]
        return {}

    @app.get("/explicit-dict", response_model=List[Dict[str, Any]])
    def explicit_dict() -> Any:
        return []

    @app.get("/undeclared-file")
    def undeclared_file() -> FileResponse:
        return FileResponse(__file__)

    assert routes_without_response_model(app) == [
        "GET /untyped", "POST /bare-dict", "GET /explicit-dict", "GET /undeclared-file"]


def test_the_check_fails_when_the_live_agent_app_gets_an_untyped_route():
    app = live_agent_app()

    @app.get("/api/extra")
    def extra():
        return {}

    assert routes_without_response_model(app) == ["GET /api/extra"]
