"""The Redis store and the consumer, against the real Redis and RabbitMQ."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from pikit.events import ImportBatchDone, ImportRequested, ImportStarted, ImportValidated, new_event
from progress.store import ProgressStore

pytestmark = pytest.mark.asyncio(loop_scope="session")

T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def new_job() -> str:
    return str(uuid.uuid4())


def batch_data(job_id: str, n: int) -> dict:
    return {"job_id": job_id, "batch_no": n, "rows": 10, "inserted": 7, "updated": 3}


async def test_a_change_is_saved_and_streamed_once_with_one_id(infra, redis):
    store = ProgressStore(redis, infra.bus_namespace)
    job = new_job()
    first = await store.apply_event(job, "import.requested", {"filename": "a.csv", "size_bytes": 5}, T0)
    assert first is not None
    second = await store.apply_event(job, "import.batch_done", batch_data(job, 1), T0 + timedelta(seconds=1))
    assert second is not None
    # duplicate delivery: nothing changes, nothing is streamed
    assert await store.apply_event(job, "import.batch_done", batch_data(job, 1), T0 + timedelta(seconds=1)) is None
    assert await redis.xlen(store.job_stream(job)) == 2

    snapshot = await store.get_snapshot(job)
    assert snapshot["status"] == "importing" and snapshot["rows_processed"] == 10 and snapshot["inserted"] == 7
    assert "_" not in snapshot
    assert await store.latest(job) == (second, snapshot)
    # the same id in the job's stream and the global stream
    global_ids = [entry_id for entry_id, s in await store.read_all("0-0", 10_000) if s["job_id"] == job]
    assert global_ids == [first, second]
    assert [i for i, _ in await store.read_job(job, "0-0")] == [first, second]
    assert await store.read_job(job, second) == []
    # everything expires, under the namespace
    for key in (store.job_key(job), store.job_stream(job), store.global_stream, store.jobs_index):
        assert key.startswith(f"{infra.bus_namespace}:progress:")
        assert 0 < await redis.ttl(key) <= 7 * 24 * 3600
    assert job in [s["job_id"] for s in await store.recent_jobs(1000)]
    assert await store.get_snapshot(new_job()) is None and await store.latest(new_job()) is None


async def test_concurrent_writers_on_two_connections_lose_nothing(infra):
    """Two consumer replicas folding 200 batches of one job at once, each batch delivered twice."""
    clients = [Redis.from_url(infra.redis_url, decode_responses=True) for _ in range(2)]
    stores = [ProgressStore(client, infra.bus_namespace) for client in clients]
    job = new_job()
    deliveries = [(n, copy) for n in range(1, 201) for copy in range(2)]
    random.shuffle(deliveries)
    results = await asyncio.gather(*(
        stores[i % 2].apply_event(job, "import.batch_done", batch_data(job, n), T0 + timedelta(milliseconds=n))
        for i, (n, _) in enumerate(deliveries)))
    snapshot = await stores[0].get_snapshot(job)
    assert snapshot["batches_done"] == 200
    assert (snapshot["rows_processed"], snapshot["inserted"], snapshot["updated"]) == (2000, 1400, 600)
    published = [r for r in results if r is not None]
    assert len(published) == len(set(published)) == await clients[0].xlen(stores[0].job_stream(job))
    assert len(published) >= 200
    for client in clients:
        await client.aclose()


async def test_streams_are_capped(infra, redis):
    store = ProgressStore(redis, infra.bus_namespace, job_stream_maxlen=10)
    job = new_job()
    for n in range(1, 400):
        await store.apply_event(job, "import.batch_done", batch_data(job, n), T0)
    assert await redis.xlen(store.job_stream(job)) < 300  # approximate trimming (~), whole nodes at a time
    assert (await store.get_snapshot(job))["batches_done"] == 399


async def test_consumer_folds_bus_events_into_redis(infra, consumer, bus, redis):
    store = consumer.app.state.store
    job = new_job()
    requested = new_event(ImportRequested(job_id=job, filename="p.csv", storage_key="k", size_bytes=100,
                                          sha256="0" * 64), source="t")
    batch = new_event(ImportBatchDone(job_id=job, batch_no=1, rows=4, inserted=3, updated=1), source="t")
    for envelope in (requested, batch, batch,  # the same message twice
                     new_event(ImportBatchDone(job_id=job, batch_no=1, rows=4, inserted=3, updated=1), source="t"),
                     new_event(ImportStarted(job_id=job), source="t"),
                     new_event(ImportValidated(job_id=job, rows_total=5, valid=5, invalid=0, duplicates=1,
                                               rows_to_import=4, batches=1, encoding="utf-8", delimiter=","),
                               source="t")):
        await bus.publish(envelope)
    deadline = time.monotonic() + 10
    while True:
        snapshot = await store.get_snapshot(job)
        if snapshot and snapshot["rows_to_import"] == 4 and snapshot["filename"] and snapshot["started_at"] \
                and snapshot["batches_done"] == 1:
            break
        assert time.monotonic() < deadline, snapshot
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # let any straggler (a duplicate) land
    snapshot = await store.get_snapshot(job)
    assert snapshot["status"] == "importing" and snapshot["percent"] == 100.0
    assert (snapshot["rows_processed"], snapshot["inserted"], snapshot["updated"]) == (4, 3, 1)
    # five distinct messages (the re-sent batch has a later time, so it may move updated_at),
    # at most five changes: the message delivered twice streamed nothing the second time
    assert await redis.xlen(store.job_stream(job)) <= 5
    # nothing was dead-lettered
    assert await redis.exists(store.job_key(job))
