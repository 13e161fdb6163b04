"""The help-center chat channel: ``POST /webhooks/helpcenter/webhook``.

Same body and reply list as Rasa's REST channel (``sender``, ``message``, ``metadata``),
but bad input gets a JSON error instead of a silent empty reply, and a failure inside
the assistant is reported as 503 so that the widget can retry.

``GET /webhooks/helpcenter/updates?sender=...&after=N`` is the widget's poll during a
live handoff: the agent's messages, the handoff's state, and the assistant's replies
once the agent resolves the ticket (``bot.channels.live_relay``).

``Authorization: Bearer <JWT>`` identifies a signed-in user; no header means a guest,
and a bad or expired token is refused with 401 (``bot.channels.gate``). The verified
identity goes into the message metadata under ``bot.accounts.identity.IDENTITY_KEY``; a value
the client sent under that key is discarded.

Every message is normalised once, here (``bot.channels.validation``: NFKC, no invisible
characters; nothing visible left is a 400 ``empty_message``). A message starting with
"/" reaches Rasa as a button payload only if the bot offered that button in this
conversation or the widget's buttons send it; anything else loses its leading slashes
and goes through NLU as text (``bot.channels.payloads``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, FrozenSet, List, Mapping, Optional, Union

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import SUPPORTED_LANGUAGES
from bot.accounts.identity import with_identity
from bot.channels import live_relay
from bot.channels.gate import ChatGate
from bot.channels.payloads import (
    INTENT_MESSAGE_PREFIX,
    as_plain_text,
    offered_payloads,
    screen_message,
)
from bot.channels.validation import BadChatRequest, ChatErrorBody, parse_chat_request

logger = logging.getLogger(__name__)


UNAVAILABLE: ChatErrorBody = {"error": "assistant_unavailable",
                              "detail": "the assistant could not answer; please try again"}


@dataclass(frozen=True)
class ChatReply:
    """What ``POST /webhook`` answers: the bot's messages, or an error body."""

    status: int
    body: Union[List[Dict[str, Any]], ChatErrorBody]
    headers: Optional[Dict[str, str]] = None


# One message per language reads every NLU component once (spaCy's French rules alone
# take seconds to load), so that no user's first message pays for it.
WARM_UP_MESSAGES = ("не работает звук в конференции", "jeg får ikke delt skjermen",
                    "je n'arrive pas à rejoindre la réunion", "la webcam non funziona",
                    "how do I record a meeting")


async def warm_up(agent: Any) -> None:
    """Parses the warm-up messages (NLU only: no tracker is written).

    The KB evidence component normalises a message in every language when its own
    finds nothing, so every language's normaliser is built too, in a thread: the
    readiness probe keeps answering meanwhile.
    """
    from kb_index.normalize import warm_up as warm_up_normalisers

    await asyncio.to_thread(warm_up_normalisers, SUPPORTED_LANGUAGES)
    for text in WARM_UP_MESSAGES:
        await agent.parse_message(text)


class HelpCenterInput(InputChannel):
    """Chat endpoint used by the help-center widget."""

    def __init__(self, gate: Optional[ChatGate] = None) -> None:
        self._gate = gate
        self.warm = False

    def gate(self) -> ChatGate:
        """Returns the admission gate, built from the settings on first use."""
        if self._gate is None:
            from bot import composition
            from bot.settings import get_settings

            self._gate = ChatGate(get_settings().jwt_secret, composition.unit_of_work)
        return self._gate

    @classmethod
    def name(cls) -> str:
        """Returns the channel name, which is also its URL prefix."""
        return "helpcenter"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Returns the channel's routes."""
        webhook = Blueprint("helpcenter_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # The readiness probe of `make run`: 503 until the warm-up is done.
            if not self.warm:
                return response.json({"status": "warming_up"}, status=503)
            return response.json({"status": "ok"})

        @webhook.listener("after_server_start")
        async def start_outbox(app: Any, loop: Any) -> None:
            from bot.channels.action_endpoint import install
            from bot.handoff.outbox_worker import deliver_outbox_forever
            from bot.storage.rasa_stores import fail_loudly

            # The agent is loaded before the server starts (Rasa's own listener).
            agent = getattr(app.ctx, "agent", None)
            if agent is not None:
                install(agent)
                fail_loudly(agent)
                started = time.monotonic()
                try:
                    await warm_up(agent)
                    logger.info("helpcenter: warmed up in %.1f s", time.monotonic() - started)
                except Exception:  # answer anyway: a slow first message beats none
                    logger.exception("helpcenter: warm-up failed")
            self.warm = True
            app.add_task(deliver_outbox_forever())

        @webhook.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            sender = request.args.get("sender", "")
            try:
                after = int(request.args.get("after", "0"))
            except ValueError:
                after = -1
            if not sender or len(sender) > 128 or after < 0:
                return response.json({"error": "invalid_request",
                                      "detail": "'sender' and a non-negative 'after' "
                                                "are required"}, status=400)
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, self.gate().owner_of,
                                           request.headers.get("Authorization"), sender)
            except BadChatRequest as error:
                return response.json(error.as_json(), status=error.status)
            except SQLAlchemyError:
                logger.exception("helpcenter: could not read the owner of %s", sender)
                return response.json(UNAVAILABLE, status=503)

            async def resume(sender_id: str) -> List[Dict[str, Any]]:
                return await resume_assistant(request.app.ctx.agent, sender_id)

            from bot import composition

            try:
                state = await live_relay.updates(sender, after,
                                                 composition.live_agent_client(),
                                                 composition.unit_of_work, resume)
            except live_relay.LiveAgentUnavailable:
                return response.json({"error": "live_agent_unavailable",
                                      "detail": "the support system is not reachable; "
                                                "retrying is safe"}, status=503)
            except SQLAlchemyError:
                logger.exception("helpcenter: could not read the handoff of %s", sender)
                return response.json(UNAVAILABLE, status=503)
            return response.json(state)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.warm:  # still loading: the widget keeps the message and retries
                return response.json({"error": "assistant_unavailable",
                                      "detail": "the assistant is starting; please try "
                                                "again in a few seconds"}, status=503)
            reply = await self.handle_chat(
                request.body or b"", request.headers.get("Authorization"),
                getattr(request.app.ctx, "agent", None), on_new_message)
            return response.json(reply.body, status=reply.status, headers=reply.headers)

        return webhook


    async def handle_chat(self, body: bytes, authorization: Optional[str], agent: Any,
                          on_new_message: Callable[[UserMessage], Awaitable[Any]]
                          ) -> ChatReply:
        """Handles one ``POST /webhook``: validate, admit, screen, relay, answer.

        Args:
            body: the raw request body (JSON: ``sender``, ``message``, ``metadata``).
            authorization: the ``Authorization`` header, if any.
            agent: the Rasa agent (its tracker store tells which buttons were offered).
            on_new_message: Rasa's handler of a user message.

        Returns:
            200 with the bot's replies; 400/413 (bad input), 401 (bad token), 403
            (someone else's conversation) or 503 (the assistant failed) with a
            ``ChatErrorBody``. A refused message reaches neither Rasa nor the agent.
        """
        try:
            chat = parse_chat_request(body)
            gate = self.gate()
            # The database calls are blocking: off the event loop.
            identity = await asyncio.get_running_loop().run_in_executor(
                None, gate.admit, authorization, chat.sender)
        except BadChatRequest as error:
            headers = ({"WWW-Authenticate": 'Bearer error="invalid_token"'}
                       if error.status == 401 else None)
            return ChatReply(error.status, error.as_json(), headers)
        except SQLAlchemyError:  # the database is down or restarting: retrying is safe
            logger.exception("helpcenter: could not admit a message from a client")
            return ChatReply(503, UNAVAILABLE)
        metadata = with_identity(chat.metadata, identity, chat.sender, gate.jwt_secret)
        if await relay_to_agent(chat.sender, chat.message, client_message_id(chat.metadata)):
            # An agent holds the conversation: the agent reads exactly what was typed,
            # and the tracker records it as plain words. Nothing the user types, not
            # even "/restart", can make the assistant answer beside the agent.
            try:
                await log_during_handoff(agent, UserMessage(
                    as_plain_text(chat.message), CollectingOutputChannel(),
                    chat.sender, input_channel=self.name(), metadata=metadata))
            except Exception:
                logger.exception("helpcenter: could not record a message from %s",
                                 chat.sender)
                return ChatReply(503, {"error": "assistant_unavailable",
                                       "detail": "the message reached the agent but not "
                                                 "the conversation log; please try again"})
            return ChatReply(200, [])
        text = await screened_text(agent, chat.sender, chat.message)

        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    chat.sender,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
        except Exception:
            logger.exception("helpcenter: failed to handle a message from %s", chat.sender)
            return ChatReply(503, UNAVAILABLE)
        return ChatReply(200, collector.messages)


async def screened_text(agent: Any, sender_id: str, text: str) -> str:
    """The text Rasa gets: an allowed "/…" payload as is, any other "/…" as plain words.

    Args:
        agent: the Rasa agent (``app.ctx.agent``) whose tracker store holds the
            conversation; None or a failing store leaves only the widget's payloads.
        sender_id: the conversation.
        text: the normalised message.

    Returns:
        ``bot.channels.payloads.screen_message`` of the text, never starting with "/"
        unless it is a payload offered in this conversation or sent by the widget.
    """
    if not text.startswith(INTENT_MESSAGE_PREFIX):
        return text
    offered: FrozenSet[str] = frozenset()
    try:
        store = getattr(agent, "tracker_store", None)
        tracker = await store.retrieve(sender_id) if store is not None else None
        if tracker is not None:
            offered = offered_payloads(event.as_dict() for event in reversed(tracker.events))
    except Exception:  # the fixed allow-list still applies; never a forged payload
        logger.exception("helpcenter: could not read the offered buttons of %s", sender_id)
    return screen_message(text, offered)


def client_message_id(metadata: Mapping[str, Any]) -> Optional[str]:
    """The widget's id of a message (the same on every retry of it), if it sent one."""
    value = metadata.get("message_id") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


async def relay_to_agent(sender_id: str, text: str,
                         message_id: Optional[str] = None) -> Optional[str]:
    """During a live handoff, passes the message to the agent (or the outbox).

    ``message_id`` (the widget's id, kept across retries) makes a retried message
    reach the agent once; without one every attempt counts as a new message.

    Returns:
        The live ticket's id, or None when no agent holds the conversation (or the
        handoff records could not be read: Rasa's paused tracker still keeps the
        assistant silent then).
    """
    from bot import composition

    try:
        return await asyncio.get_running_loop().run_in_executor(
            None, live_relay.relay_if_live, sender_id, text, message_id or time.time_ns(),
            composition.live_agent_client(), composition.unit_of_work)
    except Exception:  # the message still reaches the tracker; the agent sees it there
        logger.exception("helpcenter: could not relay a message from %s", sender_id)
        return None


async def log_during_handoff(agent: Any, message: UserMessage) -> None:
    """Records a user message in the tracker without predicting any reply.

    Runs under the conversation lock, like Rasa's own message handling, so a message
    and the resume after a resolve never interleave.
    """
    async with agent.lock_store.lock(message.sender_id):
        await agent.processor.log_message(message, should_save_tracker=True)


async def resume_assistant(agent: Any, sender_id: str) -> List[Dict[str, Any]]:
    """Unpauses the conversation and runs ``action_after_handoff``; returns its replies.

    Under the conversation lock: a user message arriving at the same moment waits
    instead of saving a tracker that would undo the resume.
    """
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.shared.core.events import ConversationResumed

    processor = agent.processor
    collector = CollectingOutputChannel()
    async with agent.lock_store.lock(sender_id):
        tracker = await processor.fetch_tracker_and_update_session(sender_id, collector)
        tracker.update(ConversationResumed())
        await processor.save_tracker(tracker)
        await processor.execute_action(
            sender_id, "action_after_handoff", collector, processor.nlg,
            PolicyPrediction.for_action_name(processor.domain, "action_after_handoff"))
    return collector.messages
