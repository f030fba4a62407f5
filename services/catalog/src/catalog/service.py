"""Wiring: pools, bus, the API app and the consumer app."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from catalog import store
from catalog.handlers import SOURCE, CatalogHandlers
from catalog.settings import CatalogSettings
from pikit.app import create_app, run_forever
from pikit.bus import Bus
from pikit.db import create_pool, migrate
from pikit.outbox import OutboxRelay
from pikit.settings import InfraSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def api_app() -> FastAPI:
    infra, settings = InfraSettings(), CatalogSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        state["pool"] = await create_pool(infra.database_url, store.SCHEMA, max_size=settings.pool_size)
        await migrate(state["pool"], store.SCHEMA, MIGRATIONS)
        app.state.pool = state["pool"]
        yield
        await state["pool"].close()

    app = create_app("catalog", lifespan=lifespan,
                     ready_checks={"postgres": lambda: state["pool"].fetchval("SELECT 1")},
                     description="Products and their history.")
    return app


def consumer_app() -> FastAPI:
    infra, settings = InfraSettings(), CatalogSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        pool = await create_pool(infra.database_url, store.SCHEMA, max_size=settings.batch_concurrency + 2)
        await migrate(pool, store.SCHEMA, MIGRATIONS)
        bus = Bus(infra.amqp_url, infra.bus_namespace, SOURCE)
        await bus.connect()
        handlers = CatalogHandlers(pool)
        bus.subscribe("catalog.batches", handlers.routes(), prefetch=settings.batch_concurrency)
        bus.subscribe("catalog.cancellations", handlers.cancellation_routes(), prefetch=20)
        await bus.start_consuming()
        relay = asyncio.create_task(run_forever("outbox", OutboxRelay(pool, bus, store.SCHEMA).run))
        state.update(pool=pool, bus=bus)
        yield
        relay.cancel()
        await bus.close()
        await pool.close()

    async def bus_ready():
        if not state["bus"].is_connected:
            raise RuntimeError("not connected to RabbitMQ")

    return create_app("catalog-consumer", lifespan=lifespan, ready_checks={
        "postgres": lambda: state["pool"].fetchval("SELECT 1"), "rabbitmq": bus_ready})
