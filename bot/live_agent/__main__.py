"""``python -m bot.live_agent``: migrate, seed the demo agents (development), serve."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.live_agent.api import create_app
from bot.live_agent.database import seed_agents, upgrade
from bot.live_agent.service import LiveAgentService
from bot.settings import get_settings


def main(argv: Optional[List[str]] = None) -> int:
    """Starts the live-agent service on the web port."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bot.live_agent", description=__doc__)
    parser.add_argument("--port", type=int, help="default: HELPBOT_WEB_PORT (8000)")
    args = parser.parse_args(argv)
    settings = get_settings()
    engine = make_engine(settings.live_agent_database_url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    if settings.environment == "development":
        with factory() as session:
            seed_agents(session)
    app = create_app(LiveAgentService(factory), settings.service_token,
                     secure_cookies=settings.environment == "production")
    uvicorn.run(app, host=settings.host, port=args.port or settings.web_port,
                # No websockets here (and Rasa pins an old websockets uvicorn cannot use).
                ws="none", log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
