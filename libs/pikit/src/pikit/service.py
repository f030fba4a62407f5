"""The two shapes every service process takes, wired the same way everywhere.

- ``database_api_app``: an HTTP API over the service's own schema (pool + migrations).
- ``consumer_app``: bus subscriptions (and, with a schema, the outbox relay), answering
  only health checks over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI

from pikit.app import ReadyCheck, create_app, run_forever, serve
from pikit.bus import Bus
from pikit.db import create_pool, migrate
from pikit.logs import configure_logging
from pikit.outbox import OutboxRelay
from pikit.settings import InfraSettings

Subscribe = Callable[[Bus, asyncpg.Pool | None], Awaitable[None] | None]


def database_api_app(title: str, schema: str, migrations: Path, *, pool_size: int = 10,
                     description: str = "", extra_checks: dict[str, ReadyCheck] | None = None,
                     server_settings: dict[str, str] | None = None, public_paths: frozenset[str] = frozenset(),
                     form_paths: frozenset[str] = frozenset()) -> FastAPI:
    infra = InfraSettings()

    async def lifespan(app: FastAPI):
        app.state.pool = await create_pool(infra.database_url, schema, max_size=pool_size,
                                           server_settings=server_settings)
        await migrate(app.state.pool, schema, migrations)
        yield
        await app.state.pool.close()

    checks: dict[str, ReadyCheck] = {"postgres": lambda: app.state.pool.fetchval("SELECT 1")}
    app = create_app(title, lifespan=lifespan, description=description, ready_checks={**checks, **(extra_checks or {})},
                     public_paths=public_paths, form_paths=form_paths)
    return app


def consumer_app(title: str, source: str, subscribe: Subscribe, *, schema: str | None = None,
                 migrations: Path | None = None, pool_size: int = 5,
                 extra_checks: dict[str, ReadyCheck] | None = None) -> FastAPI:
    infra = InfraSettings()

    async def lifespan(app: FastAPI):
        pool = None
        if schema is not None:
            pool = await create_pool(infra.database_url, schema, max_size=pool_size)
            await migrate(pool, schema, migrations)
        bus = Bus(infra.amqp_url, infra.bus_namespace, source)
        await bus.connect()
        app.state.pool, app.state.bus = pool, bus
        result = subscribe(bus, pool)
        if result is not None:
            await result
        await bus.start_consuming()
        relay = asyncio.create_task(run_forever("outbox", OutboxRelay(pool, bus, schema).run)) if pool else None
        yield
        if relay is not None:
            relay.cancel()
        await bus.close()
        if pool is not None:
            await pool.close()

    async def bus_ready():
        if not app.state.bus.is_connected:
            raise RuntimeError("not connected to RabbitMQ")

    checks: dict[str, ReadyCheck] = {"rabbitmq": bus_ready}
    if schema is not None:
        checks["postgres"] = lambda: app.state.pool.fetchval("SELECT 1")
    app = create_app(title, lifespan=lifespan, ready_checks={**checks, **(extra_checks or {})})
    return app


def extend_lifespan(app: FastAPI, start, stop) -> None:
    """Run ``start(app)`` after the kit's lifespan is up and ``stop(app)`` before it ends."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        async with inner(a) as state:
            await start(a)
            try:
                yield state
            finally:
                await stop(a)

    app.router.lifespan_context = lifespan


def main(service: str, roles: dict[str, tuple[Callable[[], FastAPI], int]], argv: list[str]) -> None:
    """``python -m <service> <role>``: configure logs, build the role's app, serve it on its port."""
    role = argv[1] if len(argv) > 1 else next(iter(roles))
    if role not in roles:
        raise SystemExit(f"usage: python -m {service} {'|'.join(roles)} (got {role!r})")
    factory, port = roles[role]
    configure_logging(f"{service}-{role}" if len(roles) > 1 else service, InfraSettings().log_level)
    serve(factory(), port)
