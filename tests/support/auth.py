"""Principals for tests that talk to a service directly, not through the edge.

The services verify the principal the edge passes on (``X-Principal``, signed with
``PRINCIPAL_SIGNING_KEY``). Tests of one service sign one themselves, with the key this module
puts in the environment (imported by the root conftest, so in-process apps and the processes a
``Stack`` starts all see it). Tests through the edge use real keys and sessions instead.
"""

from __future__ import annotations

import base64
import os
import secrets

import httpx

from pikit.auth import Principal, PrincipalSigner, Role

SIGNING_KEY = os.environ.setdefault("PRINCIPAL_SIGNING_KEY", secrets.token_urlsafe(48))
#: The Fernet key webhook signing secrets are encrypted with (a Stack passes it to its processes).
WEBHOOKS_SECRET_KEYS = os.environ.setdefault(
    "WEBHOOKS_SECRET_KEYS", base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
_signer = PrincipalSigner(SIGNING_KEY)


def principal(role: Role = "admin", name: str | None = None) -> Principal:
    return Principal("user", "0", name or f"{role}@test.example", role)


def principal_header(role: Role = "admin", name: str | None = None) -> dict[str, str]:
    """``{"x-principal": ...}``, good for a minute."""
    return {"x-principal": _signer.sign(principal(role, name))}


class As(httpx.Auth):
    """``httpx.AsyncClient(auth=As("editor"))``: every request signed afresh (signatures expire)."""

    def __init__(self, role: Role = "admin", name: str | None = None):
        self.role, self.name = role, name

    def auth_flow(self, request):
        request.headers.update(principal_header(self.role, self.name))
        yield request
