"""Passwords: argon2id hashes (argon2-cffi), generated passwords, the length rule.

The parameters are OWASP's for argon2id (19 MiB, 2 passes, 1 lane): ~25 ms a hash here, and
19 MiB at a time instead of the library's default 64 MiB, which would let a burst of sign-ins
take the process over its memory budget. Hashing runs in a thread, at most two at once.
"""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; this bounds the work one request can ask for

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_slots = asyncio.Semaphore(2)
# Verified against when an email is unknown, so that answer takes as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


def generate() -> str:
    """A random password of 20 URL-safe characters (~120 bits)."""
    return secrets.token_urlsafe(15)


def problem(password: str) -> str | None:
    """Why a chosen password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    return None


async def hash_password(password: str) -> str:
    async with _slots:
        return await asyncio.to_thread(_hasher.hash, password)


async def verify(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one used older parameters)."""
    async with _slots:
        return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    try:
        _hasher.verify(password_hash or _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if password_hash is None:
        return False, None
    return True, _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None
