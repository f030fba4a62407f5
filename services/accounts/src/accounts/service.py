"""Wiring: the API app (with the edge's auth check) and the consumer app (audit log, outbox,
retention)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from fastapi import FastAPI

from accounts import api, audit, handlers, store
from accounts.check import AuthCheck, AuthCheckEndpoint
from accounts.settings import AccountsSettings
from pikit.app import run_forever
from pikit.auth import PrincipalSigner
from pikit.ratelimit import RateLimit
from pikit.service import consumer_app as kit_consumer_app
from pikit.service import database_api_app, extend_lifespan
from pikit.settings import InfraSettings

log = structlog.get_logger("accounts.retention")

MIGRATIONS = Path(__file__).parent / "migrations"
CHECK_PATH = "/internal/auth-check"  # nginx's auth_request target; the edge routes nothing to /internal
PUBLIC = frozenset({"/auth/login", "/auth/logout", CHECK_PATH})


def api_app() -> FastAPI:
    settings, infra = AccountsSettings(), InfraSettings()
    app = database_api_app("accounts", store.SCHEMA, MIGRATIONS, pool_size=settings.pool_size,
                           description="Users, sessions, API keys and the audit log.", public_paths=PUBLIC)
    app.state.settings = settings
    app.state.public_origin = infra.public_origin
    app.state.sign_in_limits = handlers.SignInLimits(
        RateLimit(infra.redis_url, infra.bus_namespace, "sign-in-account", settings.sign_in_failures_per_account),
        RateLimit(infra.redis_url, infra.bus_namespace, "sign-in-address", settings.sign_in_failures_per_address))
    signer = PrincipalSigner(infra.principal_signing_key) if infra.principal_signing_key else None

    async def start(a: FastAPI) -> None:
        a.state.check = AuthCheck(a.state.pool, settings, signer, infra.public_origin)

    async def stop(_: FastAPI) -> None:
        pass

    extend_lifespan(app, start, stop)

    # Outermost: the check runs for every /api request, and needs none of the app's layers.
    app.add_middleware(AuthCheckEndpoint, path=CHECK_PATH)
    for router in (api.auth_router, api.users_router, api.keys_router, api.audit_router):
        app.include_router(router)
    return app


def consumer_app() -> FastAPI:
    settings = AccountsSettings()

    def subscribe(bus, pool) -> None:
        bus.subscribe("accounts.audit", audit.AuditHandlers(pool).routes(), prefetch=20)

    app = kit_consumer_app("accounts-consumer", handlers.SOURCE, subscribe, schema=store.SCHEMA,
                           migrations=MIGRATIONS, pool_size=settings.pool_size)
    tasks: list[asyncio.Task] = []

    async def start(a: FastAPI) -> None:
        tasks.append(asyncio.create_task(run_forever("retention", lambda: _retention(a.state.pool, settings))))

    async def stop(_: FastAPI) -> None:
        for task in tasks:
            task.cancel()

    extend_lifespan(app, start, stop)
    return app


async def _retention(pool, settings: AccountsSettings, every_seconds: float = 3600) -> None:
    """Ended sessions, old audit entries and long-revoked keys go, once an hour."""
    while True:
        async with pool.acquire() as conn:
            deleted = await store.delete_expired(conn, settings.session_idle_seconds, settings.audit_retention_days,
                                                 settings.revoked_key_retention_days)
        if any(deleted.values()):
            log.info("deleted what has passed its retention", **deleted)
        await asyncio.sleep(every_seconds)
