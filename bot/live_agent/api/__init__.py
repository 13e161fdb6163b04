"""The live-agent HTTP API and the agent console (FastAPI).

Every endpoint but ``/health``, ``/console`` and login/logout needs either the service
token (``Authorization: Bearer``, the assistant) or a logged-in agent (the session cookie
set by ``POST /api/login``).

Layout: ``deps`` (every dependency, with ``Annotated`` aliases), ``schemas`` (the wire
formats), ``routes/`` (one router per resource) and ``main`` (``create_app``).
"""

from bot.live_agent.api.main import create_app

__all__ = ["create_app"]
