"""The help-center chat channel: ``POST /webhooks/helpcenter/webhook``.

Same body and reply list as Rasa's REST channel (``sender``, ``message``, ``metadata``),
but bad input gets a JSON error instead of a silent empty reply, and a failure inside
the assistant is reported as 503 so that the widget can retry.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.validation import BadChatRequest, parse_chat_request

logger = logging.getLogger(__name__)


class HelpCenterInput(InputChannel):
    """Chat endpoint used by the help-center widget."""

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
            except BadChatRequest as error:
                return response.json(error.as_json(), status=error.status)

            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        chat.message,
                        collector,
                        chat.sender,
                        input_channel=self.name(),
                        metadata=chat.metadata,
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
