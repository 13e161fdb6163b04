"""The action server: rasa-sdk's, ready once it is warmed up.

``python -m actions --host 127.0.0.1 --port 5055`` is ``python -m rasa_sdk --actions
actions`` plus two things the product needs:

- it loads the KB index, the answer model and the P1-P4 classifier (fitting and caching
  it under ``var/`` on the very first start) and answers one KB question per language
  (which builds that language's spaCy pipeline, lookup tables, pymorphy3 or Snowball
  stemmer and glossary phrase table, and loads the e5 query model) in the background;
  ``/health`` answers 503 until then, so that the first user's question or escalation
  does not wait for any of them, while calls that come anyway (Rasa's, after a crash
  of this server) are served;
- it listens on the configured interface (rasa-sdk's default is every interface).
"""

from __future__ import annotations

import argparse
import logging
import time
from functools import partial
from typing import TYPE_CHECKING, Any, Dict, List, Optional

if TYPE_CHECKING:
    from kb_index.search import KBIndex

logger = logging.getLogger("actions")


def warm_up() -> float:
    """Loads what the first KB answer and the first escalation need; returns seconds."""
    from bot import composition

    started = time.monotonic()
    warm_up_kb(composition.kb_searcher().index())
    composition.priority_classifier()
    return time.monotonic() - started


def warm_up_kb(index: KBIndex) -> Dict[str, str]:
    """Answers one question per language of the index as ``action_answer_from_kb`` does.

    Each language's text normalisers (spaCy pipeline and lookup tables, pymorphy3 for
    Russian, Snowball stemmers, the glossary's phrase table), the answer model's first
    prediction and the reply texts are built lazily, by the first question that needs
    them: seconds on the first user's question otherwise. The question is the title of
    the language's first article, searched without the NLU pipeline's vector, so the
    e5 query model loads too (the action embeds a question itself when a foreign
    product name is replaced, see ``KBIndex.search``).

    Returns:
        The outcome per language ("clear", "ambiguous" or "none").
    """
    from bot.knowledge.answer import answer_messages, answer_question

    titles: Dict[str, str] = {}
    for doc in index.index["docs"]:
        titles.setdefault(doc["lang"], doc["title"])
    outcomes: Dict[str, str] = {}
    for lang in index.languages:
        decision = answer_question(index, titles[lang], lang)
        answer_messages(decision, lang, partial(index.article, lang=lang))
        outcomes[lang] = decision.outcome
    return outcomes


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

    warm = {"done": False}

    @app.middleware("request")
    async def ready_only_when_warm(request: Any) -> Any:
        # /health is the readiness probe: 503 until the warm-up is done. Calls from Rasa
        # are served meanwhile (slower, building what they need): after a crash, Rasa's
        # retries must not run out while the warm-up (15-25 s) runs.
        if request.path == "/health" and not warm["done"]:
            from sanic.response import json as json_response

            return json_response({"status": "warming_up"}, status=503)
        return None

    async def load_models() -> None:
        import asyncio

        try:
            seconds = await asyncio.get_running_loop().run_in_executor(None, warm_up)
            logger.info("action server warmed up in %.1f s", seconds)
        except Exception:  # serve anyway: a slow first answer beats none
            logger.exception("action server warm-up failed")
        warm["done"] = True

    @app.listener("after_server_start")
    async def start_warm_up(app: Any, loop: Any) -> None:
        app.add_task(load_models())

    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
