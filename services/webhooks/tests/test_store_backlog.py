"""A backlog of pending deliveries does not make the dispatcher's bookkeeping slower: recording
a batch of successes reads the deliveries it records, not every pending one, whatever the
planner's statistics say."""

from __future__ import annotations

import uuid

import pytest

from pikit.db import create_pool, migrate
from webhooks import store
from webhooks.service import DISPATCHER_DB_SETTINGS, MIGRATIONS

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def pool(scratch_database_url):
    # The dispatcher's connection settings: it is the dispatcher's statement.
    pool = await create_pool(scratch_database_url, store.SCHEMA, min_size=1, max_size=2,
                             server_settings=DISPATCHER_DB_SETTINGS)
    await migrate(pool, store.SCHEMA, MIGRATIONS)
    yield pool
    await pool.close()


def reads(plan: dict) -> set[str]:
    """How the plan reads tables: index names, and "Seq Scan on <table>"."""
    found = set()
    if "Index Name" in plan:
        found.add(plan["Index Name"])
    elif plan["Node Type"] == "Seq Scan":
        found.add(f"Seq Scan on {plan['Relation Name']}")
    for child in plan.get("Plans", []):
        found |= reads(child)
    return found


async def test_recording_successes_reads_only_their_deliveries_whatever_the_backlog(pool):
    async with pool.acquire() as conn:
        await store.create_endpoint(conn, url="http://127.0.0.1:9/hook", events=["product.updated"],
                                    enabled=True, description="", secret_ciphertext="not-a-real-token")
        # The usual state: statistics taken when nearly every delivery had succeeded...
        await store.create_deliveries(conn, "test", [(str(uuid.uuid4()), "product.updated", "{}")
                                                     for _ in range(3000)])
        await conn.execute("UPDATE deliveries SET status = 'succeeded', attempts = 1, finished_at = now()")
        await conn.execute("ANALYZE deliveries")
        # ... then a burst of events (an import), faster than autovacuum analyzes again.
        await store.create_deliveries(conn, "test", [(str(uuid.uuid4()), "product.updated", "{}")
                                                     for _ in range(20000)])
        batch = [r["id"] for r in await conn.fetch(
            "SELECT id FROM deliveries WHERE status = 'pending' ORDER BY random() LIMIT 100")]
        successes = [(delivery_id, 1, 204, 3, "") for delivery_id in batch]
        args = [list(column) for column in zip(*successes, strict=True)]

        plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {store.RECORD_SUCCESSES}", *args)  # json codec: decoded
        assert reads(plan[0]["Plan"]) <= {"deliveries_pkey", "endpoints_pkey", "Seq Scan on endpoints"}

        assert await store.record_successes(conn, successes) == 100
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'succeeded'") == 3100
        assert await conn.fetchval("SELECT count(*) FROM delivery_attempts WHERE success") == 100
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 19900
