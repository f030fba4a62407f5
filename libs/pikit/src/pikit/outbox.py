"""Transactional outbox, its relay, and the inbox.

``enqueue`` writes an event in the caller's transaction; the relay publishes it with
publisher confirms and deletes the row. The relay wakes on LISTEN/NOTIFY and polls
slowly as a safety net; ``FOR UPDATE SKIP LOCKED`` lets several replicas relay at once.
Delivery is at least once: a crash between confirm and delete publishes again, which
consumers absorb with the inbox (``first_time``).
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from pikit.bus import Bus
from pikit.events import Envelope, encode

log = structlog.get_logger("pikit.outbox")


def channel_name(schema: str) -> str:
    return f"{schema}_outbox"


async def enqueue(conn: asyncpg.Connection, schema: str, *envelopes: Envelope) -> None:
    await conn.executemany(
        "INSERT INTO outbox (event_id, routing_key, body) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING",
        [(e.id, e.type, encode(e)) for e in envelopes],
    )
    await conn.execute("SELECT pg_notify($1, '')", channel_name(schema))


async def first_time(conn: asyncpg.Connection, consumer: str, message_id: str) -> bool:
    """Record that ``consumer`` saw ``message_id``; False when it had already (a redelivery)."""
    return await conn.fetchval(
        "INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
        consumer, message_id,
    ) is True


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, bus: Bus, schema: str, *, batch_size: int = 200,
                 poll_seconds: float = 2.0):
        self.pool = pool
        self.bus = bus
        self.schema = schema
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.5

        def wake(*_: object) -> None:
            self._wake.set()

        async def release() -> None:
            try:
                await listener.remove_listener(channel_name(self.schema), wake)
                await self.pool.release(listener)
            except Exception:
                pass

        while True:
            try:
                if listener is None or listener.is_closed():
                    listener = await self.pool.acquire()
                    await listener.add_listener(channel_name(self.schema), wake)
                while await self.drain_once():
                    pass
                backoff = 0.5
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass
                self._wake.clear()
            except asyncio.CancelledError:
                if listener is not None:
                    await release()
                raise
            except Exception as exc:  # broker or database away: keep the rows, try again
                log.warning("outbox relay error", error=repr(exc), retry_in=backoff)
                if listener is not None:
                    await release()
                    listener = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)

    async def drain_once(self) -> int:
        """Publish one batch of pending rows; returns how many were sent."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT seq, event_id, routing_key, body FROM outbox ORDER BY seq "
                "LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            if not rows:
                return 0
            await asyncio.gather(*(self.bus.publish_raw(r["routing_key"], r["body"], r["event_id"]) for r in rows))
            await conn.execute("DELETE FROM outbox WHERE seq = ANY($1::bigint[])", [r["seq"] for r in rows])
        return len(rows)
