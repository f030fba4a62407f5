"""The bus side: every subscribed event becomes one pending delivery per interested endpoint."""

from __future__ import annotations

import asyncpg

from pikit.batching import MicroBatcher
from pikit.events import Body, Envelope
from webhooks import domain, store
from webhooks.foreground import ForegroundGate

SOURCE = "webhooks"
CONSUMER = "webhooks.events"


class FanOut:
    """Store the deliveries and the inbox rows (pikit's ``inbox`` table) of the events in one
    transaction, so a redelivered message adds nothing, and NOTIFY the workers. Nothing is
    sent here: the bus never waits on a receiver. Events arriving together share one
    transaction (a message is acknowledged once its batch has committed)."""

    def __init__(self, pool: asyncpg.Pool, *, max_batch: int = 200, max_wait: float = 0.02,
                 gate: ForegroundGate | None = None):
        self.pool = pool
        self.gate = gate
        self._batcher: MicroBatcher[tuple[str, str, str]] = MicroBatcher(self._store, max_size=max_batch,
                                                                          max_wait=max_wait)

    async def __call__(self, envelope: Envelope, body: Body) -> None:
        if self.gate is not None:
            await self.gate.take(1)
        payload = domain.payload(envelope.type, envelope.time, envelope.data)
        await self._batcher.submit((envelope.id, envelope.type, payload))

    async def _store(self, events: list[tuple[str, str, str]]) -> None:
        async with self.pool.acquire() as conn:
            await store.create_deliveries(conn, CONSUMER, events)


def routes(pool: asyncpg.Pool, gate: ForegroundGate | None = None) -> dict:
    fan_out = FanOut(pool, gate=gate)
    return {event_type: fan_out for event_type in domain.EVENT_TYPES}
