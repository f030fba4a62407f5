"""Deleting an endpoint while the dispatcher records one of its attempts: neither waits for the
other forever, and PostgreSQL never has to break a deadlock between them.

DELETE of an endpoint locks the endpoint row, then (ON DELETE CASCADE) its deliveries. The
dispatcher's statements must not lock a delivery and then wait for its endpoint. Each test
holds the endpoint locked the way the DELETE does, starts the dispatcher's statement, then
lets the DELETE cascade: in the wrong order that is a deadlock (seen as a 500 from
``DELETE /webhooks/{id}`` while a receiver was failing)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from pikit.db import create_pool, migrate
from webhooks import store
from webhooks.service import MIGRATIONS

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def pool(scratch_database_url):
    pool = await create_pool(scratch_database_url, store.SCHEMA, min_size=1, max_size=4)
    await migrate(pool, store.SCHEMA, MIGRATIONS)
    yield pool
    await pool.close()


async def failing_endpoint_with_a_delivery(pool) -> tuple[uuid.UUID, uuid.UUID]:
    async with pool.acquire() as conn:
        endpoint = await store.create_endpoint(conn, url="http://127.0.0.1:9/hook", events=["product.created"],
                                               enabled=True, description="", secret_ciphertext="not-a-real-token")
        await conn.execute("UPDATE endpoints SET failing_since = now() WHERE id = $1", endpoint["id"])
        await store.create_deliveries(conn, "test", [(str(uuid.uuid4()), "product.created", "{}")])
        delivery = await conn.fetchval("SELECT id FROM deliveries WHERE endpoint_id = $1", endpoint["id"])
    return endpoint["id"], delivery


async def delete_while(pool, endpoint_id: uuid.UUID, dispatcher_statement) -> object:
    """The DELETE's first step (the endpoint row locked) is taken, then the dispatcher's
    statement starts, then the DELETE cascades and commits. Returns the statement's result."""
    async with pool.acquire() as deleting, deleting.transaction():
        await deleting.execute("SELECT 1 FROM endpoints WHERE id = $1 FOR UPDATE", endpoint_id)
        recording = asyncio.create_task(dispatcher_statement())
        await asyncio.sleep(0.3)  # the statement has run as far as it can without the endpoint
        assert await deleting.fetchval("DELETE FROM endpoints WHERE id = $1 RETURNING true", endpoint_id)
    return await asyncio.wait_for(recording, 10)


async def test_a_failed_attempt_recorded_while_its_endpoint_is_deleted(pool):
    endpoint_id, delivery_id = await failing_endpoint_with_a_delivery(pool)

    async def record_failure():
        async with pool.acquire() as conn:
            return await store.record_failed_attempt(
                conn, delivery_id=delivery_id, endpoint_id=endpoint_id, attempt=1, status="pending",
                next_attempt_at=None, status_code=500, latency_ms=3, response_excerpt="no", error="HTTP 500",
                disable_after_seconds=3600)

    assert await delete_while(pool, endpoint_id, record_failure) is None  # gone: nothing to record
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE id = $1", delivery_id) == 0
        assert await conn.fetchval("SELECT count(*) FROM delivery_attempts WHERE delivery_id = $1", delivery_id) == 0


async def test_successes_recorded_while_their_failing_endpoint_is_deleted(pool):
    endpoint_id, delivery_id = await failing_endpoint_with_a_delivery(pool)

    async def record_success():
        async with pool.acquire() as conn:
            return await store.record_successes(conn, [(delivery_id, 1, 200, 3, "ok")])

    assert await delete_while(pool, endpoint_id, record_success) == 1  # recorded just before the cascade
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE id = $1", delivery_id) == 0


async def test_a_failed_attempt_continues_the_run_of_failures_and_a_success_ends_it(pool):
    endpoint_id, delivery_id = await failing_endpoint_with_a_delivery(pool)
    async with pool.acquire() as conn:
        state = await store.record_failed_attempt(
            conn, delivery_id=delivery_id, endpoint_id=endpoint_id, attempt=1, status="pending",
            next_attempt_at=None, status_code=None, latency_ms=1500, response_excerpt=None, error="timeout",
            disable_after_seconds=3600)
        assert state["enabled"] and not state["expired"]
        assert await conn.fetchval("SELECT failing_since IS NOT NULL FROM endpoints WHERE id = $1", endpoint_id)
        assert await store.record_successes(conn, [(delivery_id, 2, 200, 3, "ok")]) == 1
        assert await conn.fetchval("SELECT failing_since IS NULL FROM endpoints WHERE id = $1", endpoint_id)
        # the same attempt again (recorded by someone else already) changes nothing
        assert await store.record_failed_attempt(
            conn, delivery_id=delivery_id, endpoint_id=endpoint_id, attempt=2, status="failed",
            next_attempt_at=None, status_code=500, latency_ms=1, response_excerpt=None, error="HTTP 500",
            disable_after_seconds=3600) is None
        assert await conn.fetchval("SELECT status FROM deliveries WHERE id = $1", delivery_id) == "succeeded"
