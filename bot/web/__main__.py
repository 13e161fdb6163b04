"""``python -m bot.web``: the web port: site, widget, studio, live-agent API and console."""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from bot.live_agent.__main__ import build_app, serve
from bot.settings import get_settings
from bot.web.app import create_web_app


def seed_demo_editors() -> None:
    """Creates or updates the studio's demo editors (``data/demo/editors.yml``)."""
    from bot import composition
    from bot.studio.editors import seed_editors

    with composition.unit_of_work() as uow:
        seed_editors(uow.session)


def main(argv: Optional[List[str]] = None) -> int:
    """Starts everything the web port serves."""
    parser = argparse.ArgumentParser(prog="python -m bot.web", description=__doc__)
    parser.add_argument("--port", type=int, help="default: HELPBOT_WEB_PORT (8000)")
    parser.add_argument("--without-live-agent", action="store_true",
                        help="serve only the help-center site (the live agent runs elsewhere)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if settings.environment == "development":
        seed_demo_editors()
    live_agent = None if args.without_live_agent else build_app(settings)
    serve(create_web_app(settings, live_agent), settings, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
