"""Wiring: the API app and the consumer app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi import FastAPI

from pikit.service import consumer_app as kit_consumer_app
from pikit.service import database_api_app
from pikit.ratelimit import RateLimit
from pikit.settings import InfraSettings
from pikit.storage import LocalStorage
from upload import api, handlers, store
from upload.settings import UploadSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def api_app() -> FastAPI:
    settings = UploadSettings()
    storage = LocalStorage(InfraSettings().storage_dir)

    async def storage_ready():
        if not storage.root.is_dir():
            raise RuntimeError("storage directory missing")

    app = database_api_app("upload", store.SCHEMA, MIGRATIONS, pool_size=settings.pool_size,
                           description="Upload CSV files and follow their import jobs.",
                           extra_checks={"storage": storage_ready}, form_paths=frozenset({"/imports"}))
    app.state.settings, app.state.storage = settings, storage
    infra = InfraSettings()
    app.state.upload_limit = RateLimit(infra.redis_url, infra.bus_namespace, "uploads", settings.uploads_rate)
    app.include_router(api.router)
    return app


def consumer_app() -> FastAPI:
    def subscribe(bus, pool) -> None:
        routes = {event_type: partial(_bound, handler, pool) for event_type, handler in handlers.routes().items()}
        bus.subscribe("upload.jobs", routes, prefetch=20)

    return kit_consumer_app("upload-consumer", handlers.SOURCE, subscribe, schema=store.SCHEMA,
                            migrations=MIGRATIONS, pool_size=UploadSettings().pool_size)


async def _bound(handler, pool, envelope, body) -> None:
    await handler(pool, envelope, body)
