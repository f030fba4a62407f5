"""Pure rules of identity: tokens and keys, emails, the same-origin rule, session expiry. No I/O."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from pikit.auth import ROLES, Principal

SESSION_COOKIE = "pi_session"
KEY_PREFIX = "pik_"  # API keys start with this, so a leaked one is easy to recognise (and scan for)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")
MAX_NAME = 100


def new_token() -> str:
    """A session token: 256 random bits."""
    return secrets.token_urlsafe(32)


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """What is stored of a token or a key: its SHA-256 (they are random, so there is nothing to
    guess, and a lookup by hash stays one index probe)."""
    return hashlib.sha256(secret.encode()).digest()


def key_prefix(key: str) -> str:
    return key[: len(KEY_PREFIX) + 6]


def normalise_email(email: str) -> str:
    return email.strip()


def email_problem(email: str) -> str | None:
    if not EMAIL.match(email):
        return "Enter an email address like name@example.com."
    return None


def bearer_token(authorization: str | None) -> str | None:
    """The key of ``Authorization: Bearer <key>``; None for any other scheme or none."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def cookie_value(cookie_header: str | None, name: str = SESSION_COOKIE) -> str | None:
    if not cookie_header:
        return None
    for part in cookie_header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of a URL (an Origin or Referer header), lower-cased; None if not one."""
    if not url or url == "null":
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(origin: str | None, referer: str | None, *, host: str | None, scheme: str,
                public_origin: str) -> bool:
    """Whether a browser's request comes from our own pages (the CSRF rule).

    The Origin header (or, without it, the Referer) must name the public origin, or the origin
    the request was sent to (scheme and Host, which the edge has already checked against its
    allow-list). A request naming neither is refused: every browser sends Origin with a POST,
    PUT, PATCH or DELETE, so only a script without a session cookie would lack both.
    """
    claimed = origin_of(origin) if origin else origin_of(referer)
    if claimed is None:
        return False
    allowed = {origin_of(public_origin)}
    if host:
        allowed.add(f"{scheme}://{host}".lower())
    return claimed in allowed


def session_expiry(created_at: datetime, last_seen_at: datetime, *, idle: timedelta,
                   absolute: timedelta) -> datetime:
    """When a session ends: idle time after its last use, or its absolute end, whichever is first."""
    return min(last_seen_at + idle, created_at + absolute)


def role_problem(role: str) -> str | None:
    return None if role in ROLES else f"The role must be one of {', '.join(ROLES)}."


def user_principal(row) -> Principal:
    return Principal("user", str(row["id"]), row["email"], row["role"])


def key_principal(row) -> Principal:
    return Principal("key", str(row["id"]), row["name"], row["role"])


SYSTEM = Principal("system", "cli", "cli", "admin")  # the command line (make api-key, make add-user)


def changes(old: dict, new: dict) -> dict:
    return {k: {"old": old[k], "new": v} for k, v in new.items() if k in old and old[k] != v}
