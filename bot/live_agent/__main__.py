"""``python -m bot.live_agent``: migrate, seed the demo agents (development), serve."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from fastapi import FastAPI
from sqlalchemy.orm import sessionmaker

from bot.live_agent.api import create_app
from bot.live_agent.database import seed_agents, upgrade
from bot.live_agent.service import LiveAgentService
from bot.settings import Settings, get_settings
from bot.storage.engine import make_engine


def build_app(settings: Settings) -> FastAPI:
    """Migrates the service's database, seeds demo agents in development, builds the app."""
    engine = make_engine(settings.live_agent_database_url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    if settings.environment == "development":
        with factory() as session:
            seed_agents(session)
    return create_app(LiveAgentService(factory), settings.service_token,
                      secure_cookies=settings.environment == "production")


def serve(app: FastAPI, settings: Settings, port: Optional[int]) -> None:
    """Serves an app on the web port (or ``port``)."""
    import uvicorn

    uvicorn.run(app, host=settings.host, port=port or settings.web_port,
                # No websockets here (and Rasa pins an old websockets uvicorn cannot use).
                ws="none", log_level="warning")


def main(argv: Optional[List[str]] = None) -> int:
    """Starts the live-agent service alone on the web port."""
    parser = argparse.ArgumentParser(prog="python -m bot.live_agent", description=__doc__)
    parser.add_argument("--port", type=int, help="default: HELPBOT_WEB_PORT (8000)")
    args = parser.parse_args(argv)
    settings = get_settings()
    serve(build_app(settings), settings, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
