"""The action server: rasa-sdk's, warmed up before it accepts a call.

``python -m actions --host 127.0.0.1 --port 5055`` is ``python -m rasa_sdk --actions
actions`` plus two things the product needs:

- it loads the KB index, the answer model and the P1-P4 classifier (fitting and caching
  it under ``var/`` on the very first start) before it listens, so ``/health`` answers
  only when the first user's question or escalation will not wait for them;
- it listens on the configured interface (rasa-sdk's default is every interface).
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any, List, Optional

logger = logging.getLogger("actions")


def warm_up() -> float:
    """Loads what the first KB answer and the first escalation need; returns seconds."""
    from bot import composition
    from kb_index.search import default_searcher

    started = time.monotonic()
    default_searcher().index()
    composition.priority_classifier()
    return time.monotonic() - started


def main(argv: Optional[List[str]] = None) -> None:
    """Parses the command line and serves the actions until stopped."""
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app

    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)

    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    app = create_app("actions", cors_origins=None)

    @app.listener("before_server_start")
    async def load_models(app: Any, loop: Any) -> None:
        seconds = await loop.run_in_executor(None, warm_up)
        logger.info("action server warmed up in %.1f s", seconds)

    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
