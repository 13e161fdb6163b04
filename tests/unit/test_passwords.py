"""Agent passwords: Argon2id hashes, legacy PBKDF2-SHA256 hashes, and when to rehash."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from argon2 import PasswordHasher, Type

from bot.live_agent.passwords import hash_password, needs_rehash, verify_password

# One password per supported language, with the letters each one adds to ASCII.
PASSWORDS = {
    "ru": "пароль-Ёж",
    "nb": "blåbærsyltetøy",
    "fr": "mot-de-passe-été",
    "it": "parola-città",
    "en": "correct horse",
}

# Made by the PBKDF2 implementation this module replaced (200,000 iterations), as such
# hashes sit in existing databases.
LEGACY_VECTORS = [
    ("correct horse", "pbkdf2_sha256$200000$SjWlGKGR+C7tOh91Dnzb/w==$"
                      "/jszDq2IjZhAs4eZYAi8sbW0p05JtC+fbvHPCikd5sA="),
    ("пароль-Ёж", "pbkdf2_sha256$1000$achaE5JdPnpaoc7k5PWyug==$"
                  "ZTpDpUqMljRQKfs2r5BvhUu2jPmLMgvNmMjoqHyXYzw="),
]
# An Argon2id hash made with the current parameters (RFC 9106 low-memory profile).
ARGON2ID_VECTOR = ("пароль-Ёж", "$argon2id$v=19$m=65536,t=3,p=4$FrgaO9qy/6NOzepMEVAKOQ$"
                                "3KD9bDYmUwBJUMtP7pVD8NrJ9eBSb4+L6279iONzZqo")


def legacy_hash(password: str, iterations: int = 1000) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>``, as the old implementation made it."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join(["pbkdf2_sha256", str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


@pytest.fixture(scope="module")
def argon2_hashes():
    """One Argon2id hash per language (hashing costs 64 MiB and tens of ms each)."""
    return {language: hash_password(password) for language, password in PASSWORDS.items()}


@pytest.mark.parametrize("language", sorted(PASSWORDS))
def test_argon2id_round_trip(language, argon2_hashes):
    stored = argon2_hashes[language]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(PASSWORDS[language], stored)
    assert not needs_rehash(stored)


def test_each_hash_has_its_own_salt():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second
    assert verify_password("correct horse", first) and verify_password("correct horse", second)


@pytest.mark.parametrize(("language", "attempt"), [
    ("ru", "пароль-ёж"),            # case of one letter
    ("ru", "пароль-Еж"),            # Ё without its diaeresis
    ("nb", "blabaersyltetoy"),      # the letters transliterated
    ("fr", "mot-de-passe-ete"),     # accents dropped
    ("it", "parola-citta"),
    ("en", "correct horse "),       # trailing space
    ("en", "Correct horse"),
    ("en", "пароль-Ёж"),            # another agent's password
])
def test_wrong_password_is_refused(language, attempt, argon2_hashes):
    assert not verify_password(attempt, argon2_hashes[language])


@pytest.mark.parametrize("password", ["", None, b"correct horse", 12345])
def test_hashing_refuses_empty_or_non_text_passwords(password):
    with pytest.raises((ValueError, TypeError)):
        hash_password(password)


@pytest.mark.parametrize("stored", [
    ARGON2ID_VECTOR[1],
    LEGACY_VECTORS[0][1],
])
def test_empty_password_never_verifies(stored):
    assert not verify_password("", stored)


@pytest.mark.parametrize("stored", [
    "",
    "argon2",
    "$argon2id$",
    "$argon2id$v=19$m=65536,t=3,p=4$",
    "$argon2id$v=19$m=65536,t=3,p=4$FrgaO9qy/6NOzepMEVAKOQ$",
    "$argon2id$v=19$m=x,t=3,p=4$FrgaO9qy/6NOzepMEVAKOQ$3KD9bDYmUwBJUMtP7pVD8NrJ9eBSb4+L6279iONzZqo",
    ARGON2ID_VECTOR[1][:-4],                   # truncated
    ARGON2ID_VECTOR[1].replace("$argon2id$", "$argon2i$"),  # another Argon2 type
    "$argon2id$v=19$m=65536,t=3,p=4$Ёж$Ёж",    # not ASCII
    "pbkdf2_sha256",
    "pbkdf2_sha256$x$y$z",
    "pbkdf2_sha256$1000$y$z",
    "pbkdf2_sha256$1000$$",
    "pbkdf2_sha256$0$achaE5JdPnpaoc7k5PWyug==$ZTpDpUqMljRQKfs2r5BvhUu2jPmLMgvNmMjoqHyXYzw=",
    "pbkdf2_sha256$-5$achaE5JdPnpaoc7k5PWyug==$ZTpDpUqMljRQKfs2r5BvhUu2jPmLMgvNmMjoqHyXYzw=",
    # An iteration count that would overflow (OverflowError) or take minutes.
    "pbkdf2_sha256$99999999999999999999$achaE5JdPnpaoc7k5PWyug==$AAAA",
    "pbkdf2_sha256$2000000000$achaE5JdPnpaoc7k5PWyug==$AAAA",
    "pbkdf2_sha256$1000$achaE5JdPnpaoc7k5PWyug==$not base64!",
    "pbkdf2_sha256$1000$achaE5JdPnpaoc7k5PWyug==$ZTpDpUqMljRQKfs2r5BvhUu2jPmLMgvNmMjoqHyXYzw=$x",
    "pbkdf2_sha1$1000$achaE5JdPnpaoc7k5PWyug==$ZTpDpUqMljRQKfs2r5BvhUu2jPmLMgvNmMjoqHyXYzw=",
    "md5$5f4dcc3b5aa765d61d8327deb882cf99",
    "пароль-Ёж",
    "correct horse",
    "\x00\x01\x02",
    "random text with $ signs $ in $ it",
])
@pytest.mark.parametrize("password", ["пароль-Ёж", "correct horse"])
def test_corrupt_or_forged_hashes_give_false(stored, password):
    assert verify_password(password, stored) is False
    assert needs_rehash(stored) is True


def test_a_forged_hash_in_the_current_format_gives_false():
    forged = ("$argon2id$v=19$m=65536,t=3,p=4$FrgaO9qy/6NOzepMEVAKOQ$"
              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert verify_password("пароль-Ёж", forged) is False
    assert verify_password("correct horse", forged) is False
    # Its parameters are the current ones; only a verified hash is ever rehashed.
    assert needs_rehash(forged) is False


@pytest.mark.parametrize(("password", "stored"), [
    ("correct horse", None),
    ("correct horse", b"$argon2id$"),
    ("correct horse", 42),
    (None, ARGON2ID_VECTOR[1]),
    (b"\xd0\xbf", ARGON2ID_VECTOR[1]),
    (["пароль-Ёж"], ARGON2ID_VECTOR[1]),
    ("\ud800", ARGON2ID_VECTOR[1]),             # a lone surrogate: no UTF-8 for it
    ("\ud800", LEGACY_VECTORS[0][1]),
])
def test_wrong_types_give_false_never_an_exception(password, stored):
    assert verify_password(password, stored) is False


@pytest.mark.parametrize("stored", [None, 42, b"$argon2id$"])
def test_needs_rehash_of_a_non_string_is_true(stored):
    assert needs_rehash(stored) is True


def test_stored_argon2id_vector_still_verifies():
    password, stored = ARGON2ID_VECTOR
    assert verify_password(password, stored)
    assert not verify_password("correct horse", stored)
    assert not needs_rehash(stored)


@pytest.mark.parametrize(("password", "stored"), LEGACY_VECTORS)
def test_legacy_pbkdf2_vectors_verify_and_need_a_rehash(password, stored):
    assert verify_password(password, stored)
    assert not verify_password(password + "x", stored)
    assert needs_rehash(stored)


@pytest.mark.parametrize("language", sorted(PASSWORDS))
def test_legacy_pbkdf2_hashes_verify_in_every_language(language):
    stored = legacy_hash(PASSWORDS[language])
    assert verify_password(PASSWORDS[language], stored)
    assert not verify_password(PASSWORDS[language].upper(), stored)
    assert needs_rehash(stored)


@pytest.mark.parametrize("hasher", [
    PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),  # OWASP's minimum
    PasswordHasher(salt_len=8),
    PasswordHasher(hash_len=16),
], ids=["weak", "owasp-minimum", "short-salt", "short-hash"])
def test_argon2id_with_other_parameters_verifies_and_needs_a_rehash(hasher):
    stored = hasher.hash("blåbærsyltetøy")
    assert stored.startswith("$argon2id$")
    assert verify_password("blåbærsyltetøy", stored)
    assert needs_rehash(stored)


def test_other_argon2_types_are_refused_and_need_a_rehash():
    stored = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.I).hash("x-y")
    assert stored.startswith("$argon2i$")
    assert not verify_password("x-y", stored)
    assert needs_rehash(stored)
