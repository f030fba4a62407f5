"""An import bigger than the catalog loads without the read indexes, which come back after it
(catalog.bulk_load), against the real PostgreSQL. Each test has a catalog of its own."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from catalog import bulk_load, store
from catalog.handlers import CatalogHandlers
from catalog.service import MIGRATIONS
from pikit.db import create_pool, migrate
from pikit.events import Envelope, ImportCompleted, UpsertBatch, decode
from tests.support.stack import scratch_database

pytestmark = pytest.mark.asyncio(loop_scope="session")

MIN_ROWS = 10  # the threshold, lowered so that a few rows make a bulk load


@pytest.fixture
async def pool():
    async with scratch_database() as url:
        pool = await create_pool(url, store.SCHEMA)
        await migrate(pool, store.SCHEMA, MIGRATIONS)
        yield pool
        await pool.close()


async def index_definitions(pool) -> dict[str, str]:
    rows = await pool.fetch("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'catalog' "
                            "AND indexname = ANY($1::text[])", list(bulk_load.READ_INDEXES))
    return {r["indexname"]: r["indexdef"] for r in rows}


def rows(first: int, count: int) -> list[tuple]:
    return [(n, f"BULK-{n:05d}", f"Product {n}", f"about {n}", "1.50", None) for n in range(first, first + count)]


async def apply(handlers: CatalogHandlers, job: str, batch_no: int, batch: list[tuple], rows_to_import: int) -> None:
    body = UpsertBatch(job_id=job, batch_no=batch_no, columns=["sku", "name", "description", "price"], rows=batch,
                       rows_to_import=rows_to_import)
    envelope = Envelope(source="test", type="catalog.upsert_batch", subject=job, data=body.model_dump(mode="json"))
    await handlers.upsert_batch(*decode(orjson.dumps(envelope.model_dump(mode="json"))))


async def complete(handlers: CatalogHandlers, job: str, inserted: int) -> None:
    event = ImportCompleted(job_id=job, rows_total=inserted, inserted=inserted, updated=0, invalid=0, duplicates=0)
    await handlers.import_completed(Envelope(source="test", type="import.completed", subject=job, data={}), event)


async def test_an_import_bigger_than_the_catalog_goes_in_without_read_indexes_which_come_back_after_it(pool):
    as_migrated = await index_definitions(pool)
    assert set(as_migrated) == set(bulk_load.READ_INDEXES)
    handlers, job = CatalogHandlers(pool, bulk_load_min_rows=MIN_ROWS), str(uuid.uuid4())

    await apply(handlers, job, 0, rows(2, 15), rows_to_import=30)
    assert await index_definitions(pool) == {}
    assert await bulk_load.restore(pool, store.import_running) == []  # not while the import runs
    await apply(handlers, job, 1, rows(17, 15), rows_to_import=30)
    await complete(handlers, job, inserted=30)

    assert await index_definitions(pool) == as_migrated
    assert await pool.fetchval("SELECT count(*) FROM catalog.products") == 30
    assert await pool.fetchval("SELECT count(*) FROM catalog.product_history WHERE job_id = $1", job) == 30
    sorted_by_name = await pool.fetch("EXPLAIN SELECT id FROM catalog.products ORDER BY name, id LIMIT 5")
    assert "products_name_order" in "\n".join(r[0] for r in sorted_by_name)


async def test_a_small_import_and_one_into_a_bigger_catalog_keep_the_indexes(pool):
    as_migrated = await index_definitions(pool)
    handlers = CatalogHandlers(pool, bulk_load_min_rows=MIN_ROWS)

    await apply(handlers, str(uuid.uuid4()), 0, rows(2, 5), rows_to_import=MIN_ROWS - 1)
    assert await index_definitions(pool) == as_migrated

    await apply(handlers, str(uuid.uuid4()), 0, rows(100, 20), rows_to_import=20)  # 5 products: a bulk load
    await complete(handlers, str(uuid.uuid4()), inserted=0)  # a terminal event, but that import still runs
    assert await index_definitions(pool) == {}
    await pool.execute("DELETE FROM catalog.imports_running")
    assert sorted(await bulk_load.restore(pool, store.import_running)) == sorted(bulk_load.READ_INDEXES)

    await apply(handlers, str(uuid.uuid4()), 0, rows(200, 12), rows_to_import=12)  # 25 products, 25 history rows
    assert await index_definitions(pool) == as_migrated


async def test_the_indexes_come_back_when_the_import_s_terminal_event_never_arrives(pool):
    as_migrated = await index_definitions(pool)
    handlers, job = CatalogHandlers(pool, bulk_load_min_rows=MIN_ROWS), str(uuid.uuid4())
    await apply(handlers, job, 0, rows(2, 15), rows_to_import=15)
    restorer = asyncio.create_task(bulk_load.keep_restoring(pool, store.import_running, every_seconds=0.05))
    try:
        await asyncio.sleep(0.3)
        assert await index_definitions(pool) == {}  # the import counts as running for a while
        # ... until it has applied nothing for IMPORT_ALIVE_SECONDS (its consumer died, say).
        await pool.execute("UPDATE catalog.imports_running SET started_at = now() - interval '1 hour'")
        await pool.execute("UPDATE catalog.applied_batches SET applied_at = now() - interval '1 hour'")
        for _ in range(100):
            if await index_definitions(pool) == as_migrated:
                break
            await asyncio.sleep(0.05)
    finally:
        restorer.cancel()
    assert await index_definitions(pool) == as_migrated


async def test_tables_in_use_keep_their_indexes_rather_than_wait(pool, monkeypatch):
    as_migrated = await index_definitions(pool)
    monkeypatch.setattr(bulk_load, "LOCK_TIMEOUT", "200ms")
    async with pool.acquire() as reader:
        async with reader.transaction():
            await reader.fetch("SELECT * FROM catalog.products LIMIT 1")  # holds its lock until commit
            assert await bulk_load.prepare(pool, rows_coming=1000, min_rows=MIN_ROWS) == []
    assert await index_definitions(pool) == as_migrated
    assert sorted(await bulk_load.prepare(pool, rows_coming=1000, min_rows=MIN_ROWS)) == sorted(bulk_load.READ_INDEXES)


async def test_a_batch_waiting_on_a_dropped_index_s_lock_is_applied(pool):
    """Batches of the same import run while batch 0 drops the indexes: none fails or is lost."""
    handlers, job = CatalogHandlers(pool, bulk_load_min_rows=MIN_ROWS), str(uuid.uuid4())
    batches = [rows(2 + 20 * b, 20) for b in range(6)]
    await asyncio.gather(*(apply(handlers, job, b, batch, rows_to_import=120) for b, batch in enumerate(batches)))
    assert await pool.fetchval("SELECT count(*) FROM catalog.products") == 120
    assert await pool.fetchval("SELECT count(*) FROM catalog.applied_batches WHERE job_id = $1", job) == 6
    assert await index_definitions(pool) == {}  # batch 0 did drop them, around the others


async def test_an_import_counts_as_running_from_its_first_batch_on_before_that_batch_commits(pool):
    """Else the restorer could build the indexes the first batch has just dropped."""
    job = str(uuid.uuid4())
    async with pool.acquire() as conn:
        await store.import_batches_started(conn, job)
        assert await store.import_running(conn)
        await conn.execute("UPDATE catalog.imports_running SET started_at = now() - interval '1 hour'")
        assert not await store.import_running(conn)  # nothing applied for an hour: not running
