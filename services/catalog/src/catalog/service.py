"""Wiring: the API app and the consumer app."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from catalog import api, bulk_load, store
from catalog.handlers import SOURCE, CatalogHandlers
from catalog.pages import PageBoundaries
from catalog.search import SearchIndexer
from catalog.settings import CatalogSettings
from pikit.app import run_forever
from pikit.service import consumer_app as kit_consumer_app
from pikit.service import database_api_app, extend_lifespan

MIGRATIONS = Path(__file__).parent / "migrations"


def api_app() -> FastAPI:
    app = database_api_app("catalog", store.SCHEMA, MIGRATIONS, pool_size=CatalogSettings().pool_size,
                           description="Products and their history. Errors answer "
                                       '`{"error": {"status", "code", "message", ...}}`.')
    app.include_router(api.router)
    app.state.page_boundaries = PageBoundaries()
    return app


def consumer_app() -> FastAPI:
    settings = CatalogSettings()

    def subscribe(bus, pool) -> None:
        handlers = CatalogHandlers(pool, settings.bulk_load_min_rows)
        # Each batch in flight holds its own connection: 2-3 at once keep PostgreSQL busy.
        bus.subscribe("catalog.batches", handlers.routes(), prefetch=settings.batch_concurrency)
        bus.subscribe("catalog.jobs", handlers.job_routes(), prefetch=20)

    app = kit_consumer_app("catalog-consumer", SOURCE, subscribe, schema=store.SCHEMA, migrations=MIGRATIONS,
                           pool_size=settings.batch_concurrency + 3)

    async def start(a: FastAPI) -> None:
        indexer = SearchIndexer(a.state.pool, store.import_running,
                                poll_seconds=settings.search_poll_seconds)
        a.state.tasks = [asyncio.create_task(run_forever("search indexer", indexer.run)),
                         asyncio.create_task(run_forever("read index restorer", lambda: bulk_load.keep_restoring(
                             a.state.pool, store.import_running)))]

    async def stop(a: FastAPI) -> None:
        for task in a.state.tasks:
            task.cancel()
        await asyncio.gather(*a.state.tasks, return_exceptions=True)

    extend_lifespan(app, start, stop)
    return app
