"""Admission of a help-center chat request: who is writing, and may they continue here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from bot.accounts.identity import Identity, InvalidToken, identity_from_authorization
from bot.channels.validation import BadChatRequest


@dataclass
class ChatGate:
    """Verifies the bearer token and binds each conversation to one identity.

    Args:
        jwt_secret: the HS256 secret of help-center tokens.
        unit_of_work: builds a unit of work (``bot.storage.unit_of_work.UnitOfWork``).
    """

    jwt_secret: str
    unit_of_work: Callable[[], Any]

    def admit(self, authorization: Optional[str], sender_id: str) -> Identity:
        """Returns the verified identity of a request for ``sender_id``.

        Raises:
            BadChatRequest: 401 for a bad, expired or unknown-user token (never a
                silent guest), 403 when the conversation belongs to another identity.
        """
        try:
            identity = identity_from_authorization(authorization, self.jwt_secret)
        except InvalidToken as error:
            raise BadChatRequest(401, "invalid_token", str(error)) from None
        with self.unit_of_work() as uow:
            if identity.user_id and uow.accounts.user_account(identity.user_id) is None:
                raise BadChatRequest(401, "invalid_token", "the token's user does not exist")
            if not uow.conversations.claim(sender_id, identity.owner):
                raise BadChatRequest(
                    403, "conversation_owned_by_another_identity",
                    "this conversation was started by someone else; start a new one "
                    "with a new sender id")
        return identity

    def owner_of(self, authorization: Optional[str], sender_id: str) -> Identity:
        """The verified identity, if it owns an existing conversation (no new claim).

        Raises:
            BadChatRequest: 401 for a bad token, 404 for an unknown conversation,
                403 for someone else's.
        """
        try:
            identity = identity_from_authorization(authorization, self.jwt_secret)
        except InvalidToken as error:
            raise BadChatRequest(401, "invalid_token", str(error)) from None
        with self.unit_of_work() as uow:
            owner = uow.conversations.owner(sender_id)
        if owner is None:
            raise BadChatRequest(404, "no_such_conversation", "no conversation with this id")
        if owner != identity.owner:
            raise BadChatRequest(403, "conversation_owned_by_another_identity",
                                 "this conversation was started by someone else")
        return identity
