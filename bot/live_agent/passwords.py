"""Agent passwords: Argon2id, with the legacy PBKDF2-SHA256 hashes still accepted.

New hashes are Argon2id, the algorithm OWASP's Password Storage Cheat Sheet recommends
first, memory-hard so that guessing on GPUs or ASICs costs far more than with PBKDF2.
They are PHC strings, which carry their own parameters and salt::

    $argon2id$v=19$m=<memory KiB>,t=<passes>,p=<lanes>$<salt, base64>$<hash, base64>

made with argon2-cffi's ``PasswordHasher`` defaults: RFC 9106's low-memory profile
(64 MiB, 3 passes, 4 lanes, 16-byte salt, 32-byte hash).

Hashes stored before the switch have the form
``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``. They still verify, and
`needs_rehash` reports them so that a successful login replaces them with Argon2id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

ARGON2ID_PREFIX = "$argon2id$"
LEGACY_SCHEME = "pbkdf2_sha256"
# Legacy hashes were made with 200,000 iterations; a corrupt row with a huge count must
# neither overflow (OverflowError) nor pin a CPU for minutes.
LEGACY_MAX_ITERATIONS = 1_000_000

# RFC 9106 low-memory profile (argon2-cffi's defaults); change it here and every stored
# hash with other parameters is upgraded at its agent's next login.
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """Hashes a password with Argon2id and a fresh random salt.

    Args:
        password: The password in clear; any Unicode text, encoded as UTF-8.

    Returns:
        The PHC string ``$argon2id$v=19$m=...,t=...,p=...$<salt>$<hash>``.

    Raises:
        TypeError: ``password`` is not a string.
        ValueError: ``password`` is empty, or cannot be encoded as UTF-8.
    """
    if not isinstance(password, str):
        raise TypeError("the password must be a string")
    if not password:
        raise ValueError("the password is empty")
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Checks a password against a stored Argon2id or legacy PBKDF2-SHA256 hash.

    Both comparisons take constant time: libargon2 compares in constant time, and the
    PBKDF2 digest is compared with ``hmac.compare_digest``. Argon2 hashes of another
    type than Argon2id (``$argon2i$``, ``$argon2d$``) are never made here and are refused.

    Args:
        password: The password the agent typed.
        stored: The agent's stored hash.

    Returns:
        True if the password matches; False otherwise, including for an empty password,
        arguments that are not strings, and corrupt or unknown stored hashes.
    """
    if not isinstance(password, str) or not isinstance(stored, str) or not password:
        return False
    try:
        if stored.startswith(ARGON2ID_PREFIX):
            return _HASHER.verify(stored, password)
        return _verify_legacy(password, stored)
    except (Argon2Error, ValueError, TypeError):
        # Mismatch, corrupt hash, or text that does not encode (UnicodeEncodeError).
        return False


def _verify_legacy(password: str, stored: str) -> bool:
    """Checks ``pbkdf2_sha256$<iterations>$<salt>$<hash>``; raises ValueError if corrupt."""
    scheme, iterations, salt, digest = stored.split("$")
    if scheme != LEGACY_SCHEME:
        return False
    # binascii.Error, for corrupt base64, is a ValueError.
    salt_bytes = base64.b64decode(salt, validate=True)
    expected = base64.b64decode(digest, validate=True)
    rounds = int(iterations)
    if not salt_bytes or not expected or not 0 < rounds <= LEGACY_MAX_ITERATIONS:
        return False
    computed = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt_bytes, rounds)
    return hmac.compare_digest(computed, expected)


def needs_rehash(stored: str) -> bool:
    """Tells whether a stored hash should be replaced by a fresh `hash_password` one.

    Call it after `verify_password` succeeded, while the password is at hand.

    Args:
        stored: The agent's stored hash.

    Returns:
        True for every legacy PBKDF2-SHA256 hash (OWASP recommends Argon2id), for an
        Argon2 hash whose type or parameters differ from the current ones (argon2-cffi's
        ``PasswordHasher.check_needs_rehash``), and for anything unrecognisable; False
        only for an Argon2id hash made with the current parameters.
    """
    if not isinstance(stored, str) or not stored.startswith(ARGON2ID_PREFIX):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except (Argon2Error, ValueError, TypeError):
        return True
