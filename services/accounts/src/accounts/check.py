"""The edge's question about every /api request: who is this, and may a browser send it?

nginx (``auth_request``) calls ``GET /internal/auth-check`` with the request's headers, plus
``X-Original-Method`` and ``X-Original-URI``. The answer:

- 200 with ``X-Principal``: the signed principal the edge passes on to the service;
- 401 (no credentials, an unknown or revoked key, a session that ended) or 403 (a browser's
  state-changing request from another origin; a temporary password not yet changed), with the
  JSON error body in ``X-Auth-Error`` for the edge to answer with.

The edge keeps 200 and 401 answers 5 s (``deploy/nginx/edge.conf.template``), so a busy client
costs one check every few seconds; a revoked key, a disabled user, a new role or an ended session
takes effect within that time. Here every check reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import orjson

from accounts import domain, store
from accounts.settings import AccountsSettings
from pikit.auth import HEADER, Principal, PrincipalSigner
from pikit.errors import error_body

# Paths a user with a temporary password may still use: to see who they are, change it, sign out.
PASSWORD_CHANGE_PATHS = ("/api/auth/",)


@dataclass(frozen=True, slots=True)
class Known:
    principal: Principal | None  # None: the credential is not (or no longer) valid
    must_change_password: bool = False


class AuthCheck:
    def __init__(self, pool: asyncpg.Pool, settings: AccountsSettings, signer: PrincipalSigner, public_origin: str):
        self.pool, self.settings, self.signer, self.public_origin = pool, settings, signer, public_origin

    async def _known(self, kind: bytes, secret: str) -> Known:
        digest = domain.digest(secret)
        async with self.pool.acquire() as conn:
            if kind == b"k":
                row = await store.key_by_hash(conn, digest)
                return Known(domain.key_principal(row) if row else None)
            row = await store.session_user(conn, digest, self.settings.session_idle_seconds)
        if row is None:
            return Known(None)
        return Known(domain.user_principal(row), row["must_change_password"])

    # --- the answer --------------------------------------------------------------------

    async def answer(self, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        """(status, response headers) for a request with these headers (lower-case names)."""
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
        return 200, {HEADER: self.signer.sign(known.principal)}


def _deny(status: int, code: str, message: str) -> tuple[int, dict[str, str]]:
    return status, {"x-auth-error": orjson.dumps(error_body(status, code, message)).decode()}


class AuthCheckEndpoint:
    """``GET <path>`` answered by the app's ``state.check`` before any other middleware or routing.

    It runs once for every /api request: as a FastAPI route, with the kit's middlewares and
    routing in front, it cost the first page's p50 2.0-2.3 ms under 8 clients (make bench); plain
    ASGI is most of the way to what it has to cost, a dictionary lookup and an HMAC."""

    def __init__(self, app, path: str):
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        status, extra = await scope["app"].state.check.answer(headers)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-length", b"0"), *((k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items())]})
        await send({"type": "http.response.body", "body": b""})
