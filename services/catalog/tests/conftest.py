"""Fixtures of the catalog API tests: a database of their own (bulk delete empties the
catalog, totals count every product), the app in-process over httpx."""

from __future__ import annotations


import httpx
import orjson
import pytest

from catalog import store
from catalog.service import MIGRATIONS, api_app
from pikit.db import create_pool, migrate
from tests.support.auth import As
from tests.support.stack import scratch_database


@pytest.fixture(scope="module")
async def api_database_url():
    async with scratch_database() as url:
        yield url


@pytest.fixture(scope="module")
async def db(api_database_url):
    pool = await create_pool(api_database_url, store.SCHEMA)
    await migrate(pool, store.SCHEMA, MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def client(db):
    app = api_app()
    app.state.pool = db  # the lifespan would create the same pool; ASGITransport does not run it
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog",
                                 auth=As("admin")) as client:
        yield client


@pytest.fixture
def events(db):
    """events(type, subject=None): outbox rows of one type (and product), oldest first, as envelopes."""

    async def fetch(routing_key: str, subject: str | None = None) -> list[dict]:
        rows = await db.fetch("SELECT body FROM catalog.outbox WHERE routing_key = $1 ORDER BY seq", routing_key)
        envelopes = [orjson.loads(r["body"]) for r in rows]
        return [e for e in envelopes if subject is None or e.get("subject") == subject]

    return fetch
