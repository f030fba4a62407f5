"""The bus side: every subscribed event becomes one pending delivery per interested endpoint."""

from __future__ import annotations

from functools import partial

import asyncpg

from pikit.events import Body, Envelope
from webhooks import domain, store

SOURCE = "webhooks"
CONSUMER = "webhooks.events"


async def fan_out(pool: asyncpg.Pool, envelope: Envelope, body: Body) -> None:
    """Store the deliveries and the inbox row (pikit's ``inbox`` table) in one transaction, so a
    redelivered message adds nothing, and NOTIFY the workers. Nothing is sent here: the bus
    never waits on a receiver."""
    payload = domain.payload(envelope.type, envelope.time, envelope.data)
    async with pool.acquire() as conn:
        await store.create_deliveries(conn, CONSUMER, envelope.id, envelope.type, payload)


def routes(pool: asyncpg.Pool) -> dict:
    return {event_type: partial(fan_out, pool) for event_type in domain.EVENT_TYPES}
