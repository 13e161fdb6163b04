"""The help-center chat channel: ``POST /webhooks/helpcenter/webhook``.

Same body and reply list as Rasa's REST channel (``sender``, ``message``, ``metadata``),
but bad input gets a JSON error instead of a silent empty reply, and a failure inside
the assistant is reported as 503 so that the widget can retry.

``Authorization: Bearer <JWT>`` identifies a signed-in user; no header means a guest,
and a bad or expired token is refused with 401 (``bot.channels.gate``). The verified
identity goes into the message metadata under ``bot.identity.IDENTITY_KEY``; a value
the client sent under that key is discarded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.gate import ChatGate
from bot.channels.validation import BadChatRequest, parse_chat_request
from bot.identity import with_identity

logger = logging.getLogger(__name__)


class HelpCenterInput(InputChannel):
    """Chat endpoint used by the help-center widget."""

    def __init__(self, gate: Optional[ChatGate] = None) -> None:
        self._gate = gate

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
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                chat = parse_chat_request(request.body or b"")
                gate = self.gate()
                # The database calls are blocking: off the event loop.
                identity = await asyncio.get_running_loop().run_in_executor(
                    None, gate.admit, request.headers.get("Authorization"), chat.sender)
            except BadChatRequest as error:
                headers = ({"WWW-Authenticate": 'Bearer error="invalid_token"'}
                           if error.status == 401 else None)
                return response.json(error.as_json(), status=error.status, headers=headers)
            metadata = with_identity(chat.metadata, identity, chat.sender, gate.jwt_secret)

            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        chat.message,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception:
                logger.exception("helpcenter: failed to handle a message from %s", chat.sender)
                return response.json(
                    {"error": "assistant_unavailable",
                     "detail": "the assistant could not answer; please try again"},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
