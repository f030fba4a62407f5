"""The edge's question about every /api request: who is this, and may a browser send it?

nginx (``auth_request``) calls ``GET /internal/auth-check`` with the request's headers, plus
``X-Original-Method`` and ``X-Original-URI``. The answer:

- 200 with ``X-Principal``: the signed principal the edge passes on to the service;
- 401 (no credentials, an unknown or revoked key, a session that ended) or 403 (a browser's
  state-changing request from another origin; a temporary password not yet changed), with the
  JSON error body in ``X-Auth-Error`` for the edge to answer with.

Answers about a credential are kept ``ACCOUNTS_AUTH_CACHE_SECONDS`` (5) in this process, so a
busy client costs a database read every few seconds, not one per request; a revoked key, a
disabled user or a new role takes effect within that time (at once on this replica, which
forgets everything it kept whenever it changes a user or a key).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
import orjson
from starlette.requests import Request
from starlette.responses import Response

from accounts import domain, store
from accounts.settings import AccountsSettings
from pikit.auth import HEADER, Principal, PrincipalSigner
from pikit.errors import error_body

# Paths a user with a temporary password may still use: to see who they are, change it, sign out.
PASSWORD_CHANGE_PATHS = ("/api/auth/",)
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class Known:
    principal: Principal | None  # None: the credential is not (or no longer) valid
    must_change_password: bool = False


class AuthCheck:
    def __init__(self, pool: asyncpg.Pool, settings: AccountsSettings, signer: PrincipalSigner, public_origin: str):
        self.pool, self.settings, self.signer, self.public_origin = pool, settings, signer, public_origin
        self._cache: OrderedDict[bytes, tuple[float, Known]] = OrderedDict()

    # --- the cache ---------------------------------------------------------------------

    def forget(self, secret: str) -> None:
        self._cache.pop(b"s" + domain.digest(secret), None)

    def forget_all(self) -> None:
        self._cache.clear()

    async def _known(self, kind: bytes, secret: str) -> Known:
        key = kind + domain.digest(secret)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        known = await (self._key(key[1:]) if kind == b"k" else self._session(key[1:]))
        self._cache[key] = (now + self.settings.auth_cache_seconds, known)
        self._cache.move_to_end(key)
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return known

    async def _key(self, key_hash: bytes) -> Known:
        async with self.pool.acquire() as conn:
            row = await store.key_by_hash(conn, key_hash)
        return Known(domain.key_principal(row) if row else None)

    async def _session(self, token_hash: bytes) -> Known:
        async with self.pool.acquire() as conn:
            row = await store.session_user(conn, token_hash, self.settings.session_idle_seconds)
        if row is None:
            return Known(None)
        return Known(domain.user_principal(row), row["must_change_password"])

    # --- the answer --------------------------------------------------------------------

    async def __call__(self, request: Request) -> Response:
        headers = request.headers
        method = headers.get("x-original-method", "GET").upper()
        key = domain.bearer_token(headers.get("authorization"))
        token = None if key else domain.cookie_value(headers.get("cookie"))
        if key:
            known = await self._known(b"k", key)
            if known.principal is None:
                return _deny(401, "invalid_api_key", "This API key is not valid (unknown or revoked).")
        elif token:
            known = await self._known(b"s", token)
            if known.principal is None:
                return _deny(401, "session_expired", "Your session has ended: sign in again.")
            if method not in domain.SAFE_METHODS and not domain.same_origin(
                    headers.get("origin"), headers.get("referer"), host=headers.get("host"),
                    scheme=headers.get("x-forwarded-proto", "http"), public_origin=self.public_origin):
                return _deny(403, "cross_origin_request",
                             "A state-changing request must come from this site's own pages (Origin checked).")
        else:
            return _deny(401, "not_authenticated", "Sign in, or send an API key (Authorization: Bearer <key>).")
        if known.must_change_password and not headers.get("x-original-uri", "").startswith(PASSWORD_CHANGE_PATHS):
            return _deny(403, "password_change_required", "Choose a new password first (your current one is temporary).")
        return Response(status_code=200, headers={HEADER: self.signer.sign(known.principal)})


def _deny(status: int, code: str, message: str) -> Response:
    return Response(status_code=status, headers={"x-auth-error": orjson.dumps(error_body(status, code, message)).decode()})
