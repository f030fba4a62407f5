"""Who is asking, and may they: the principal every request carries, and the role checks.

The edge asks the accounts service about every ``/api`` request (nginx ``auth_request``).
Accounts answers with the principal in ``X-Principal``, signed with ``PRINCIPAL_SIGNING_KEY``;
the edge always overwrites that header on the way in, and every service verifies the
signature. So a service trusts the accounts service, not the network: a request that reached
a service's port some other way has no valid principal and is refused with 401.

Each route states the least role it needs with ``Depends(require("editor"))``; the app kit
refuses to start when a route outside ``PUBLIC_PATHS`` states none (see ``check_routes``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Literal

import orjson
import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts

from pikit import context
from pikit.errors import ApiError, error_body

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")  # each may do what the ones before it may
Kind = Literal["user", "key", "system"]

HEADER = "x-principal"
# Paths answered without a principal: health, and the documents of the service's own port,
# which listens on loopback or a private network only (the edge routes none of them).
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc",
                          "/openapi.json"})
# A signed principal is good for this long: longer than the accounts service caches an answer,
# short enough that a header copied out of a log is of no use.
SIGNATURE_TTL_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in person (``user``), a script's API key (``key``) or the system itself (``system``:
    the command line of ``make api-key`` / ``make add-user``)."""

    kind: Kind
    id: str
    name: str  # the user's email, the key's name
    role: Role

    def may(self, role: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def ref(self) -> str:
        """How events, history and the audit log name it: ``user:ops@example.com``, ``key:ci-nightly``.
        (The CloudEvents extension attribute ``principal``.)"""
        return f"{self.kind}:{self.name}"


def label(ref: str | None) -> str | None:
    """``user:ops@example.com`` -> ``ops@example.com``; ``key:ci-nightly`` -> ``key ci-nightly``."""
    if not ref:
        return None
    kind, _, name = ref.partition(":")
    return name if kind == "user" else f"{kind} {name}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PrincipalSigner:
    """``v1.<payload>.<hmac-sha256>``, both base64url; the payload holds the principal and an expiry."""

    def __init__(self, key: str):
        if len(key) < 32:
            raise ValueError("PRINCIPAL_SIGNING_KEY must be at least 32 characters (make run generates one)")
        self._key = key.encode()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def sign(self, principal: Principal, *, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + SIGNATURE_TTL_SECONDS)
        payload = _b64(orjson.dumps([principal.kind, principal.id, principal.name, principal.role, expires]))
        return f"v1.{payload}.{self._mac(payload)}"

    def verify(self, token: str, *, now: float | None = None) -> Principal | None:
        try:
            version, payload, mac = token.split(".")
        except ValueError:
            return None
        if version != "v1" or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            kind, pid, name, role, expires = orjson.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if expires < (now if now is not None else time.time()) or role not in ROLES:
            return None
        return Principal(kind, pid, name, role)


async def error_response(send, status: int, code: str, message: str,
                         headers: list[tuple[bytes, bytes]] = (), **details: object) -> None:
    """Answer a plain ASGI request with the usual JSON error body (for middlewares)."""
    body = orjson.dumps(error_body(status, code, message, **details))
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


class PrincipalMiddleware:
    """Every request outside the public paths must carry a valid signed principal, else 401.

    Plain ASGI, like the correlation middleware: the principal goes into ``request.state``
    and ``pikit.context`` (events made while handling the request carry it)."""

    def __init__(self, app, signer: PrincipalSigner | None, public_paths: frozenset[str] = PUBLIC_PATHS):
        self.app, self.signer, self.public_paths = app, signer, public_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            return await self.app(scope, receive, send)
        raw = next((v for k, v in scope["headers"] if k == HEADER.encode()), None)
        principal = self.signer.verify(raw.decode("latin-1")) if raw and self.signer else None
        if principal is None:
            return await error_response(send, 401, "not_authenticated",
                                        "Sign in, or send an API key (Authorization: Bearer <key>).",
                                        [(b"www-authenticate", b"Bearer")])
        scope.setdefault("state", {})["principal"] = principal
        token = context.principal.set(principal.ref)
        structlog.contextvars.bind_contextvars(principal=principal.ref)
        try:
            await self.app(scope, receive, send)
        finally:
            structlog.contextvars.unbind_contextvars("principal")
            context.principal.reset(token)


def current_principal(request: Request) -> Principal:
    """The request's principal (the middleware has made sure there is one)."""
    return request.state.principal


def require(role: Role):
    """A route dependency: the principal must have ``role`` (or a higher one), else 403."""

    async def check(request: Request) -> Principal:
        principal: Principal = request.state.principal
        if not principal.may(role):
            raise ApiError(403, "forbidden", f"This needs the {role} role; you have {principal.role}.",
                           required_role=role, role=principal.role)
        return principal

    check.required_role = role  # read by check_routes
    return Depends(check)


def _routes(app: FastAPI):
    """(path, methods, route) of every HTTP route, through included routers (which FastAPI
    includes lazily)."""
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            yield ctx.path, ctx.methods, ctx


def required_role(route) -> Role | None:
    for dep in route.dependant.dependencies:
        role = getattr(dep.call, "required_role", None)
        if role is not None:
            return role
    return None


def route_roles(app: FastAPI) -> dict[tuple[str, str], Role | None]:
    """``{(method, path): least role}`` of every route (None: public)."""
    return {(method, path): required_role(route) for path, methods, route in _routes(app) for method in methods}


def check_routes(app: FastAPI, public_paths: frozenset[str] = PUBLIC_PATHS) -> None:
    """Refuse to serve an app with a route that states no role (a forgotten check fails at start)."""
    missing = [f"{method} {path}" for (method, path), role in route_roles(app).items()
               if path not in public_paths and role is None]
    if missing:
        raise RuntimeError(f"routes without a role check (add Depends(pikit.auth.require(...))): {missing}")


def document_roles(app: FastAPI, public_paths: frozenset[str] = PUBLIC_PATHS) -> None:
    """Each operation of the app's OpenAPI document says how to authenticate and the least role it
    needs (``x-required-role``), so integrators (and the access tests) read it from the document."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        roles = route_roles(app)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                role = roles.get((method.upper(), path))
                if role is None or path in public_paths:
                    operation["security"] = []
                    continue
                operation["x-required-role"] = role
                operation["security"] = [{"apiKey": []}, {"session": []}]
                operation.setdefault("responses", {}).setdefault(
                    "401", {"description": "No credentials, or a key or session that is not valid"})
                operation["responses"].setdefault("403", {"description": f"Needs the {role} role"})
        schema.setdefault("components", {})["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer",
                       "description": "An API key (make api-key, or the dashboard's API keys screen)"},
            "session": {"type": "apiKey", "in": "cookie", "name": "pi_session",
                        "description": "The dashboard's session (POST /api/auth/login)"},
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
