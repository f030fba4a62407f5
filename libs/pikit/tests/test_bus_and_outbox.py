"""The bus and the outbox against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import aio_pika
import pytest

import pikit
from pikit import outbox
from pikit.acks import BulkAcker
from pikit.bus import Bus, replay_dead_letters
from pikit.db import create_pool, migrate
from pikit.events import ImportCancelled, ImportStarted, new_event

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def until(predicate, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
async def bus(amqp_url, bus_namespace):
    bus = Bus(amqp_url, bus_namespace, "test")
    await bus.connect()
    yield bus
    await bus.close()


async def queue_depth(amqp_url: str, name: str) -> int:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count


async def test_a_failing_handler_is_retried_with_back_off_then_succeeds(bus):
    attempts = []

    async def flaky(envelope, body):
        attempts.append(asyncio.get_running_loop().time())
        if len(attempts) < 3:
            raise RuntimeError("not yet")

    bus.subscribe("retry-test", {"import.started": flaky}, retry_delays_ms=(100, 300))
    await bus.start_consuming()
    await bus.publish(new_event(ImportStarted(job_id=str(uuid.uuid4())), source="test"))
    await until(lambda: len(attempts) == 3)
    assert attempts[1] - attempts[0] >= 0.09 and attempts[2] - attempts[1] >= 0.29


async def test_after_the_last_attempt_a_message_goes_to_the_dead_letter_queue_and_can_be_replayed(
        bus, amqp_url, bus_namespace):
    seen, broken = [], [True]

    async def handler(envelope, body):
        seen.append(body.job_id)
        if broken[0]:
            raise RuntimeError("broken")

    bus.subscribe("dlq-test", {"import.cancelled": handler}, retry_delays_ms=(50,))
    await bus.start_consuming()
    job = str(uuid.uuid4())
    await bus.publish(new_event(ImportCancelled(job_id=job), source="test"))
    dlq = f"{bus_namespace}.dlq-test.dlq"
    await until(lambda: len(seen) == 2)
    for _ in range(50):
        if await queue_depth(amqp_url, dlq) == 1:
            break
        await asyncio.sleep(0.05)
    assert await queue_depth(amqp_url, dlq) == 1

    broken[0] = False
    assert await replay_dead_letters(amqp_url, bus_namespace, "dlq-test") == 1
    await until(lambda: len(seen) == 3)
    assert await queue_depth(amqp_url, dlq) == 0


async def test_an_unknown_message_type_is_parked(bus, amqp_url, bus_namespace):
    bus.subscribe("park-test", {"mystery.happened": lambda e, b: asyncio.sleep(0)})
    await bus.start_consuming()
    await bus.publish_raw("mystery.happened", b'{"specversion":"1.0","id":"x1","source":"t",'
                                              b'"type":"mystery.happened","data":{}}', "x1")
    dlq = f"{bus_namespace}.park-test.dlq"
    for _ in range(100):
        if await queue_depth(amqp_url, dlq) == 1:
            break
        await asyncio.sleep(0.05)
    assert await queue_depth(amqp_url, dlq) == 1


async def test_the_outbox_relay_publishes_committed_rows_only_and_once(bus, scratch_database_url, tmp_path: Path):
    pool = await create_pool(scratch_database_url, "outbox_test")
    (tmp_path / "0001_t.sql").write_text("CREATE TABLE things (id int);")
    await migrate(pool, "outbox_test", tmp_path)
    received = []

    async def handler(envelope, body):
        received.append(envelope.id)

    bus.subscribe("outbox-test", {"import.started": handler})
    await bus.start_consuming()
    relay = asyncio.create_task(outbox.OutboxRelay(pool, bus, "outbox_test", poll_seconds=5).run())
    try:
        kept = new_event(ImportStarted(job_id=str(uuid.uuid4())), source="test")
        dropped = new_event(ImportStarted(job_id=str(uuid.uuid4())), source="test")
        async with pool.acquire() as conn:
            async with conn.transaction():
                await outbox.enqueue(conn, "outbox_test", kept)
            with pytest.raises(RuntimeError):
                async with conn.transaction():
                    await outbox.enqueue(conn, "outbox_test", dropped)
                    raise RuntimeError("rolled back")
        await until(lambda: kept.id in received, timeout=3)  # woken by NOTIFY, well before the 5 s poll
        await asyncio.sleep(0.3)
        assert received == [kept.id]
        assert await pool.fetchval("SELECT count(*) FROM outbox_test.outbox") == 0
    finally:
        relay.cancel()
        await pool.close()


async def test_migrations_are_safe_when_replicas_start_together(scratch_database_url, tmp_path: Path):
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_b.sql").write_text("CREATE TABLE b (id int);")
    pools = [await create_pool(scratch_database_url, "race_test") for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(p, "race_test", tmp_path) for p in pools))
        kit_files = len(list((Path(pikit.__file__).parent / "migrations").glob("*.sql")))
        assert sorted(len(r) for r in results) == [0, 0, 0, kit_files + 2]  # the kit's files + these two, once
    finally:
        for p in pools:
            await p.close()


async def test_every_handled_message_is_acknowledged_once_with_many_in_flight(bus, amqp_url, bus_namespace):
    handled = []

    async def handler(envelope, body):
        await asyncio.sleep(0.001 * (len(handled) % 7))  # finish out of order
        handled.append(body.job_id)

    bus.subscribe("bulk-ack-test", {"import.started": handler}, prefetch=50)
    await bus.start_consuming()
    jobs = [str(uuid.uuid4()) for _ in range(300)]
    await asyncio.gather(*(bus.publish(new_event(ImportStarted(job_id=job), source="test")) for job in jobs))
    await until(lambda: len(handled) == 300)
    await asyncio.sleep(0.2)  # the last acknowledgement is on its way
    await bus.close()  # anything not acknowledged would go back to the queue now
    assert sorted(handled) == sorted(jobs)
    assert await queue_depth(amqp_url, f"{bus_namespace}.bulk-ack-test") == 0


async def test_a_slow_message_neither_holds_back_the_others_nor_is_lost_in_a_crash(amqp_url, bus_namespace):
    """Acknowledging in bulk never acknowledges past an unfinished message, yet the messages
    finished after it are acknowledged at once (they free their prefetch slots); a crash
    puts back only the unfinished one."""
    bus = Bus(amqp_url, bus_namespace, "test")
    await bus.connect()
    release, handled = asyncio.Event(), []
    slow = str(uuid.uuid4())

    async def handler(envelope, body):
        if body.job_id == slow:
            await release.wait()
        handled.append(body.job_id)

    bus.subscribe("held-ack-test", {"import.started": handler}, prefetch=5)
    await bus.start_consuming()
    await bus.publish(new_event(ImportStarted(job_id=slow), source="test"))
    others = [str(uuid.uuid4()) for _ in range(20)]
    for job in others:
        await bus.publish(new_event(ImportStarted(job_id=job), source="test"))
    await until(lambda: len(handled) == 20)
    await asyncio.sleep(0.2)
    await bus.close()  # the crash: the slow message is still being handled
    release.set()
    assert await queue_depth(amqp_url, f"{bus_namespace}.held-ack-test") == 1


async def test_acknowledgements_reach_rabbitmq_in_order_when_many_finish_at_once(amqp_url, bus_namespace):
    """Hundreds of messages finishing behind an unfinished one are acknowledged one by one;
    the bulk acknowledgement sent once that one is settled must not overtake them, nor a
    rejection: RabbitMQ closes the channel on an acknowledgement of a tag it no longer knows,
    and a message acknowledged before its rejection arrives is lost."""
    connection = await aio_pika.connect(amqp_url)  # not robust: a closed channel stays closed
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=400)
        queue = await channel.declare_queue(f"{bus_namespace}.ordered-ack-test")
        acker, go, arrived, handled = BulkAcker(), asyncio.Event(), [], []

        async def on_message(message):
            acker.arrived(message)
            arrived.append(message)
            await go.wait()
            if message.body in (b"0", b"399"):  # the first holds back the bulk ack; the last makes it one
                for _ in range(3):
                    await asyncio.sleep(0)
            if message.body == b"0" and not message.redelivered:
                acker.requeue(message)  # fails the first time: back to the queue, then redelivered
                return
            handled.append(message.body)
            acker.finished(message)

        await queue.consume(on_message)
        for n in range(400):
            await channel.default_exchange.publish(aio_pika.Message(str(n).encode()), routing_key=queue.name)
        await until(lambda: len(arrived) == 400)
        go.set()
        await until(lambda: len(arrived) == 401)  # "0" again
        await until(lambda: len(handled) == 400)
        await asyncio.sleep(0.5)  # RabbitMQ's answer to a wrong acknowledgement would be here by now
        assert not channel.is_closed
    # Closing put back anything unacknowledged.
    assert await queue_depth(amqp_url, f"{bus_namespace}.ordered-ack-test") == 0
