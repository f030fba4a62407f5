"""Applying import batches against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid

import orjson
import pytest

from catalog import store
from catalog.handlers import CatalogHandlers
from catalog.service import MIGRATIONS
from pikit.bus import Bus
from pikit.db import create_pool, migrate
from pikit.events import Envelope, UpsertBatch, decode

pytestmark = pytest.mark.asyncio(loop_scope="session")

COLUMNS = ["row_no", "sku", "name", "description", "price", "active"]


@pytest.fixture(scope="module")
async def pool(scratch_database_url):
    pool = await create_pool(scratch_database_url, store.SCHEMA)
    await migrate(pool, store.SCHEMA, MIGRATIONS)
    yield pool
    await pool.close()


def batch_envelope(job_id: str, batch_no: int, rows: list[tuple], columns=("sku", "name", "description")) -> Envelope:
    body = UpsertBatch(job_id=job_id, batch_no=batch_no, columns=list(columns), rows=rows)
    return Envelope(source="test", type="catalog.upsert_batch", subject=job_id, data=body.model_dump(mode="json"))


async def apply(handlers: CatalogHandlers, envelope: Envelope) -> None:
    env, body = decode(orjson.dumps(envelope.model_dump(mode="json")))
    await handlers.upsert_batch(env, body)


async def outbox_events(pool, job_id: str) -> list[dict]:
    rows = await pool.fetch("SELECT body FROM catalog.outbox WHERE routing_key = 'import.batch_done'")
    events = [orjson.loads(r["body"]) for r in rows]
    return [e["data"] for e in events if e["data"]["job_id"] == job_id]


async def test_a_batch_delivered_twice_is_applied_once(pool):
    handlers, job = CatalogHandlers(pool), str(uuid.uuid4())
    envelope = batch_envelope(job, 0, [(2, "TWICE-1", "One", "d", None, None), (3, "TWICE-2", "Two", None, None, None)])
    await apply(handlers, envelope)
    await apply(handlers, envelope)
    await asyncio.gather(apply(handlers, envelope), apply(handlers, envelope))  # and concurrently

    assert await pool.fetchval("SELECT count(*) FROM catalog.products WHERE sku LIKE 'TWICE-%'") == 2
    assert await pool.fetchval("SELECT count(*) FROM catalog.product_history WHERE job_id = $1", job) == 2
    done = await outbox_events(pool, job)
    assert len(done) == 1
    assert (done[0]["rows"], done[0]["inserted"], done[0]["updated"]) == (2, 2, 0)
    assert sorted(done[0]["created"]["skus"]) == ["TWICE-1", "TWICE-2"]
    assert len(set(done[0]["created"]["ids"])) == 2


async def test_an_update_reports_changed_products_and_unchanged_ones_apart(pool):
    handlers = CatalogHandlers(pool)
    await apply(handlers, batch_envelope(str(uuid.uuid4()), 0, [(2, "UPD-1", "A", "x", None, None),
                                                                 (3, "UPD-2", "B", "y", None, None)]))
    job = str(uuid.uuid4())
    await apply(handlers, batch_envelope(job, 0, [(2, "upd-1", "A", "x", None, None),
                                                  (3, "UPD-2", "B2", "y", None, None)]))
    done = (await outbox_events(pool, job))[0]
    assert (done["inserted"], done["updated"], done["unchanged"]) == (0, 2, 0)  # the spelling of upd-1 changed
    assert sorted(done["changed"]["skus"]) == ["UPD-2", "upd-1"]
    history = await pool.fetch(
        "SELECT sku, changes FROM catalog.product_history WHERE job_id = $1 ORDER BY sku", job)
    assert [dict(h) for h in history] == [
        {"sku": "UPD-2", "changes": {"name": {"old": "B", "new": "B2"}}},
        {"sku": "upd-1", "changes": {"sku": {"old": "UPD-1", "new": "upd-1"}}},
    ]


async def test_a_new_sku_another_writer_commits_meanwhile_is_updated_not_doubled(pool):
    """The batch looked the SKU up before the other writer committed it: its insert then waits
    for that writer, fails on the unique index, and the batch is applied again as an update."""
    handlers, job = CatalogHandlers(pool), str(uuid.uuid4())
    async with pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        await other.execute("INSERT INTO catalog.products (sku, name) VALUES ('RACE-NEW-1', 'Theirs')")
        batch = asyncio.create_task(apply(handlers, batch_envelope(job, 0, [(2, "race-new-1", "Ours", None, None,
                                                                             None)])))
        await asyncio.sleep(0.5)
        assert not batch.done()  # waiting on the other writer's row
        await tx.commit()
        await batch

    rows = await pool.fetch("SELECT sku, name FROM catalog.products WHERE lower(sku) = 'race-new-1'")
    assert [tuple(r) for r in rows] == [("race-new-1", "Ours")]
    done = (await outbox_events(pool, job))[0]
    assert (done["inserted"], done["updated"]) == (0, 1)
    history = await pool.fetch("SELECT action, changes FROM catalog.product_history WHERE job_id = $1", job)
    assert [dict(h) for h in history] == [{"action": "updated", "changes": {
        "sku": {"old": "RACE-NEW-1", "new": "race-new-1"}, "name": {"old": "Theirs", "new": "Ours"}}}]


async def test_two_imports_of_the_same_new_skus_at_once_create_each_product_once(pool):
    """Deadlocks and unique violations between the two are retried: nothing fails, nothing doubles."""
    handlers, jobs = CatalogHandlers(pool), [str(uuid.uuid4()), str(uuid.uuid4())]
    skus = [f"BOTH-{n:04d}" for n in range(400)]

    def batches(job: str, name: str) -> list[Envelope]:
        rows = [(n + 2, sku, f"{name} {n}", None, None, None) for n, sku in enumerate(skus)]
        return [batch_envelope(job, b, rows[b * 100:(b + 1) * 100]) for b in range(4)]

    first, second = batches(jobs[0], "First"), batches(jobs[1], "Second")
    await asyncio.gather(*(apply(handlers, e) for e in first + second[::-1]))

    names = await pool.fetch("SELECT split_part(name, ' ', 1) AS job, count(*) AS n FROM catalog.products "
                             "WHERE sku LIKE 'BOTH-%' GROUP BY 1")
    assert sum(r["n"] for r in names) == 400 and {r["job"] for r in names} <= {"First", "Second"}
    done = [d for job in jobs for d in await outbox_events(pool, job)]
    assert len(done) == 8
    assert sum(d["inserted"] for d in done) == 400  # each product created by exactly one of them
    assert await pool.fetchval("SELECT count(*) FROM catalog.product_history WHERE action = 'created' "
                               "AND sku LIKE 'BOTH-%'") == 400


async def test_columns_missing_from_the_file_keep_their_stored_values(pool):
    handlers = CatalogHandlers(pool)
    await apply(handlers, batch_envelope(str(uuid.uuid4()), 0, [(2, "KEEP-1", "Kettle", "steel", "19.90", False)],
                                         columns=("sku", "name", "description", "price", "active")))
    await apply(handlers, batch_envelope(str(uuid.uuid4()), 0, [(2, "KEEP-1", "Kettle XL", None, None, None)],
                                         columns=("sku", "name")))
    row = await pool.fetchrow("SELECT * FROM catalog.products WHERE sku = 'KEEP-1'")
    assert (row["name"], row["description"], str(row["price"]), row["active"]) == ("Kettle XL", "steel", "19.90",
                                                                                    False)


async def test_a_product_created_by_an_import_has_its_values_in_its_history(pool):
    handlers, job = CatalogHandlers(pool), str(uuid.uuid4())
    await apply(handlers, batch_envelope(job, 0, [(2, "VALS-1", "Kettle", None, "19.90", False),
                                                  (3, "VALS-2", "Mug", "blue", None, None)],
                                         columns=("sku", "name", "description", "price", "active")))
    rows = await pool.fetch("SELECT sku, changes, row_no FROM catalog.product_history WHERE job_id = $1 ORDER BY row_no",
                            job)
    assert [(r["sku"], r["changes"], r["row_no"]) for r in rows] == [
        ("VALS-1", {"sku": "VALS-1", "name": "Kettle", "price": 19.9, "active": False}, 2),  # no null values
        ("VALS-2", {"sku": "VALS-2", "name": "Mug", "description": "blue", "active": True}, 3)]


async def test_batches_of_a_cancelled_job_are_skipped(pool):
    handlers, job = CatalogHandlers(pool), str(uuid.uuid4())
    async with pool.acquire() as conn:
        await store.mark_cancelled(conn, job)
    await apply(handlers, batch_envelope(job, 0, [(2, "SKIP-1", "Nope", None, None, None)]))
    assert await pool.fetchval("SELECT count(*) FROM catalog.products WHERE sku = 'SKIP-1'") == 0
    assert (await outbox_events(pool, job))[0]["skipped"] is True


async def test_the_same_command_published_twice_on_the_bus_is_applied_once(pool, amqp_url, bus_namespace):
    bus = Bus(amqp_url, bus_namespace, "catalog-test")
    await bus.connect()
    handlers = CatalogHandlers(pool)
    bus.subscribe("catalog.batches", handlers.routes(), prefetch=3)
    await bus.start_consuming()
    try:
        job = str(uuid.uuid4())
        envelope = batch_envelope(job, 7, [(n, f"BUS-{n}", f"Item {n}", None, None, None) for n in range(2, 502)])
        await bus.publish(envelope)
        await bus.publish(envelope)
        for _ in range(100):
            if await pool.fetchval("SELECT count(*) FROM catalog.applied_batches WHERE job_id = $1", job):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # give the second copy time to be handled
        assert await pool.fetchval("SELECT count(*) FROM catalog.products WHERE sku LIKE 'BUS-%'") == 500
        assert await pool.fetchval("SELECT count(*) FROM catalog.product_history WHERE job_id = $1", job) == 500
        assert len(await outbox_events(pool, job)) == 1
    finally:
        await bus.close()
