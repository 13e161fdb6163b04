"""Who is chatting: help-center JWTs in, a signed identity in the message metadata out.

The help-center channel verifies ``Authorization: Bearer <JWT>`` (HS256, ``sub`` = user
id, ``exp`` required) and writes the result into the message metadata under
``IDENTITY_KEY``, replacing whatever the client sent there. The entry is signed with a
key derived from the JWT secret, so the action server can check that it came from the
channel and belongs to this conversation before it trusts it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Mapping, Optional

import jwt

IDENTITY_KEY = "helpbot_identity"
ALGORITHM = "HS256"
DEFAULT_TOKEN_LIFETIME = timedelta(hours=12)
GUEST_OWNER = "guest"


class InvalidToken(ValueError):
    """A bearer token that must be refused (never downgraded to guest)."""


@dataclass(frozen=True)
class Identity:
    """A verified user id, or a guest (``user_id`` None)."""

    user_id: Optional[str] = None

    @property
    def is_guest(self) -> bool:
        """True when nobody signed in."""
        return self.user_id is None

    @property
    def owner(self) -> str:
        """The conversation-owner value: the user id, or the guest marker."""
        return self.user_id or GUEST_OWNER


GUEST = Identity()


def issue_token(user_id: str, secret: str, lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
                now: Optional[datetime] = None) -> str:
    """Returns a signed help-center token for ``user_id``."""
    issued = now or datetime.now(timezone.utc)
    return jwt.encode({"sub": user_id, "iat": issued, "exp": issued + lifetime}, secret,
                      algorithm=ALGORITHM)


def identity_from_authorization(header: Optional[str], secret: str) -> Identity:
    """Turns an ``Authorization`` header into an identity.

    Raises:
        InvalidToken: the header is not ``Bearer <token>``, or the token is forged,
            expired, or lacks ``sub`` or ``exp``.
    """
    if header is None or not header.strip():
        return GUEST
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("expected 'Authorization: Bearer <token>'")
    try:
        claims = jwt.decode(token.strip(), secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("the token has expired; sign in again") from error
    except jwt.PyJWTError as error:
        raise InvalidToken(f"the token is not valid: {error}") from error
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 64:
        raise InvalidToken("the token's subject is not a user id")
    return Identity(subject)


def _signing_key(secret: str) -> bytes:
    # A separate key from the JWT's: an identity entry can never pass as a token.
    return hashlib.sha256(f"helpbot identity metadata\0{secret}".encode()).digest()


def _signature(user_id: Optional[str], sender_id: str, secret: str) -> str:
    message = f"{user_id or ''}\0{sender_id}".encode()
    return hmac.new(_signing_key(secret), message, hashlib.sha256).hexdigest()


def with_identity(metadata: Optional[Mapping[str, Any]], identity: Identity, sender_id: str,
                  secret: str) -> Dict[str, Any]:
    """Returns the metadata with the client's ``IDENTITY_KEY`` replaced by the verified one."""
    cleaned = {k: v for k, v in (metadata or {}).items() if k != IDENTITY_KEY}
    cleaned[IDENTITY_KEY] = {"user_id": identity.user_id,
                             "sig": _signature(identity.user_id, sender_id, secret)}
    return cleaned


def identity_from_metadata(metadata: Any, sender_id: str, secret: str) -> Identity:
    """The identity the channel vouched for; a guest if the entry is missing or forged."""
    entry = metadata.get(IDENTITY_KEY) if isinstance(metadata, Mapping) else None
    if not isinstance(entry, Mapping):
        return GUEST
    user_id, signature = entry.get("user_id"), entry.get("sig")
    if user_id is not None and not isinstance(user_id, str):
        return GUEST
    if not isinstance(signature, str) or not hmac.compare_digest(
            signature, _signature(user_id, sender_id, secret)):
        return GUEST
    return Identity(user_id)
