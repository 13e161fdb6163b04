"""The outbox worker: delivers queued live-agent requests, in order, with backoff.

``deliver_outbox_forever`` runs as a task of the Rasa server process (the help-center
channel starts it after the server starts); ``deliver_pending`` is one delivery round.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Callable

from bot.handoff.live_agent_client import LiveAgentClient, LiveAgentRefused, LiveAgentUnavailable
from bot.handoff.records import MAX_BACKOFF, send
from bot.storage.engine import as_utc

logger = logging.getLogger(__name__)


def deliver_pending(unit_of_work: Callable[[], Any], client: LiveAgentClient,
                    now: Callable[[], datetime], limit: int = 50) -> int:
    """Delivers due outbox items in order; returns how many were delivered.

    A service that is down stops the round (later items wait, so a ticket's messages
    never overtake the ticket) and backs the item off exponentially, up to 30 s.
    Several Rasa replicas may run this at once: each item is claimed by one of them
    (``OutboxRepository.claim_batch``) and delivered once.
    """
    delivered = 0
    with unit_of_work() as uow:
        for item in uow.outbox.claim_batch(limit):
            if as_utc(item.next_attempt_at) > now():
                break  # backing off: nothing behind it may overtake it
            try:
                send(client, item.kind, item.payload, item.idempotency_key)
            except LiveAgentUnavailable as error:
                item.attempts += 1
                item.last_error = str(error)[:2000]
                item.next_attempt_at = now() + min(MAX_BACKOFF,
                                                   timedelta(seconds=2 ** item.attempts))
                break
            except LiveAgentRefused as error:
                logger.error("outbox item %s refused for good: %s", item.id, error)
                item.attempts += 1
                item.failed_at = now()
                item.last_error = str(error)[:2000]
                continue
            item.attempts += 1
            item.delivered_at = now()
            delivered += 1
    return delivered


async def deliver_outbox_forever(interval: float = 1.0) -> None:
    """Delivers queued live-agent requests while the server runs."""
    from datetime import datetime, timezone

    from bot import composition

    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(
                None, deliver_pending, composition.unit_of_work,
                composition.live_agent_client(), lambda: datetime.now(timezone.utc))
        except Exception:  # keep delivering; a bad round must not stop the loop
            logger.exception("outbox delivery round failed")
        await asyncio.sleep(interval)
