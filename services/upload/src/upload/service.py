"""Wiring: pool, storage, bus, the API app and the consumer app."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from pikit.app import create_app, run_forever
from pikit.bus import Bus
from pikit.db import create_pool, migrate
from pikit.outbox import OutboxRelay
from pikit.settings import InfraSettings
from pikit.storage import LocalStorage
from upload import api, handlers, store
from upload.settings import UploadSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def api_app() -> FastAPI:
    infra, settings = InfraSettings(), UploadSettings()

    async def lifespan(app: FastAPI):
        app.state.pool = await create_pool(infra.database_url, store.SCHEMA, max_size=settings.pool_size)
        await migrate(app.state.pool, store.SCHEMA, MIGRATIONS)
        yield
        await app.state.pool.close()

    async def storage_ready():
        if not app.state.storage.root.is_dir():
            raise RuntimeError("storage directory missing")

    app = create_app("upload", lifespan=lifespan, description="Upload CSV files and follow their import jobs.",
                     ready_checks={"postgres": lambda: app.state.pool.fetchval("SELECT 1"),
                                   "storage": storage_ready})
    app.state.settings = settings
    app.state.storage = LocalStorage(infra.storage_dir)
    app.include_router(api.router)
    return app


def consumer_app() -> FastAPI:
    infra, settings = InfraSettings(), UploadSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        pool = await create_pool(infra.database_url, store.SCHEMA, max_size=settings.pool_size)
        await migrate(pool, store.SCHEMA, MIGRATIONS)
        bus = Bus(infra.amqp_url, infra.bus_namespace, handlers.SOURCE)
        await bus.connect()

        def bind(handler):
            async def handle(envelope, body):
                await handler(pool, envelope, body)
            return handle

        bus.subscribe("upload.jobs", {t: bind(h) for t, h in handlers.routes().items()}, prefetch=20)
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

    return create_app("upload-consumer", lifespan=lifespan, ready_checks={
        "postgres": lambda: state["pool"].fetchval("SELECT 1"), "rabbitmq": bus_ready})
