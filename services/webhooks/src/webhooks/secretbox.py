"""Endpoint signing secrets encrypted at rest.

The secrets are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256, the ``cryptography``
library) under the keys in ``WEBHOOKS_SECRET_KEYS``: comma-separated, newest first. The first
key encrypts; every key decrypts (``MultiFernet``). Rotating the key: put a new one first, keep
the old one second, restart; the API's start re-encrypts every secret under the new key
(``encrypt_stored_secrets``); once it has, drop the old key. See docs/webhooks.md.
"""

from __future__ import annotations

import functools

import asyncpg
import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from webhooks import store

log = structlog.get_logger("webhooks.secrets")

ENV = "WEBHOOKS_SECRET_KEYS"
MAKE_ONE = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
# Distinct secrets kept decrypted per process: the current and previous secret of every
# endpoint several times over. Decrypting costs a few tens of microseconds (see docs).
CACHE_SIZE = 4096


class SecretKeyError(Exception):
    """The keys are missing or malformed, or a stored secret decrypts under none of them."""


class SecretBox:
    def __init__(self, keys: list[str]):
        self._fernets = [Fernet(key) for key in keys]  # the caller has checked them (from_setting)
        self._newest = self._fernets[0]
        self._all = MultiFernet(self._fernets)
        # Per ciphertext, not per delivery: the dispatcher signs with the same few secrets
        # thousands of times a second.
        self.decrypt = functools.lru_cache(maxsize=CACHE_SIZE)(self._decrypt)

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        """From ``WEBHOOKS_SECRET_KEYS``; SecretKeyError saying what is wrong (never the key)."""
        keys = [key.strip() for key in value.split(",") if key.strip()]
        if not keys:
            raise SecretKeyError(f"{ENV} is not set: it holds the key(s) the endpoints' signing secrets are "
                                 f"encrypted with (comma-separated Fernet keys, newest first). Make one with {MAKE_ONE}")
        for n, key in enumerate(keys, 1):
            try:
                Fernet(key)
            except ValueError:
                raise SecretKeyError(f"{ENV}: key {n} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded "
                                     f"bytes). Make one with {MAKE_ONE}") from None
        return cls(keys)

    def encrypt(self, secret: str) -> str:
        return self._all.encrypt(secret.encode()).decode()

    def _decrypt(self, token: str) -> str:
        try:
            return self._all.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretKeyError(f"a stored webhook secret decrypts under none of the keys in {ENV} "
                                 "(was the key it was encrypted with removed, or is this another "
                                 "deployment's key?)") from None

    def is_newest(self, token: str) -> bool:
        """Encrypted under the first key (Fernet tokens do not name their key: it is tried)."""
        try:
            self._newest.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def reencrypt(self, token: str) -> str | None:
        """The token under the newest key, or None when it is under it already."""
        if self.is_newest(token):
            return None
        self.decrypt(token)  # SecretKeyError when no key decrypts it
        return self._all.rotate(token.encode()).decode()


LOCK = "webhooks:secret-encryption"


async def encrypt_stored_secrets(pool: asyncpg.Pool, box: SecretBox) -> dict[str, int]:
    """At the API's start: encrypt any plaintext secret left from before encryption (and empty
    its column), re-encrypt any secret not under the newest key, drop previous secrets whose
    grace period is over. Idempotent; several replicas starting together take turns (an
    advisory lock) and the later ones find nothing to do. SecretKeyError when a stored secret
    decrypts under none of the keys: the process must not start and sign with nothing."""
    counts = {"endpoints": 0, "encrypted": 0, "reencrypted": 0, "expired": 0}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", LOCK)
        for row in await store.secrets_for_update(conn):
            counts["endpoints"] += 1
            current = _at_rest(box, row["plaintext_secret"], row["secret_ciphertext"], counts)
            previous = None
            if row["previous_secret_expires_at"] is not None and not row["previous_expired"]:
                previous = _at_rest(box, row["plaintext_previous_secret"], row["previous_secret_ciphertext"], counts)
            elif row["plaintext_previous_secret"] or row["previous_secret_ciphertext"]:
                counts["expired"] += 1
            changed = (current != row["secret_ciphertext"] or previous != row["previous_secret_ciphertext"]
                       or row["plaintext_secret"] is not None or row["plaintext_previous_secret"] is not None)
            if changed:
                await store.set_secrets(conn, row["id"], current, previous)
    log.info("webhook secrets at rest", **counts)
    return counts


def _at_rest(box: SecretBox, plaintext: str | None, ciphertext: str | None, counts: dict[str, int]) -> str | None:
    """The ciphertext to keep for one secret (plaintext wins: it is what the row had before
    encryption, and nothing writes it since)."""
    if plaintext is not None:
        counts["encrypted"] += 1
        return box.encrypt(plaintext)
    if ciphertext is None:
        return None
    rotated = box.reencrypt(ciphertext)
    if rotated is None:
        return ciphertext
    counts["reencrypted"] += 1
    return rotated


async def check_stored_secrets(pool: asyncpg.Pool, box: SecretBox) -> int:
    """At the dispatcher's start: every stored secret decrypts (SecretKeyError otherwise), so a
    wrong key stops the process at once instead of failing every delivery. Returns how many."""
    async with pool.acquire() as conn:
        tokens = await store.secret_ciphertexts(conn)
    for token in tokens:
        box.decrypt(token)
    return len(tokens)
