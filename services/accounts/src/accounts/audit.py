"""The audit log: one entry per audit-worthy event, saying who did what to what.

Accounts' own changes (users, keys) are recorded in the transaction that makes them; the
audit-worthy events of other services (bulk deletes, webhook and secret changes) arrive over
the bus and are recorded once per event id.
"""

from __future__ import annotations

import asyncpg

from accounts import store
from pikit.events import Body, Envelope

#: Events of other services that the audit log records (the consumer's bindings).
FROM_OTHER_SERVICES = ("products.bulk_deleted", "webhook.created", "webhook.updated", "webhook.deleted",
                       "webhook.secret_rotated")


def target(event_type: str, data: dict) -> str | None:
    """What an event was done to, in words, for the log's list."""
    kind = event_type.split(".", 1)[0]
    if kind == "user":
        return f"user {data.get('email')}"
    if kind == "api_key":
        return f"API key {data.get('name')} (#{data.get('key_id')})"
    if kind == "webhook":
        return f"webhook {data.get('url')}"
    if event_type == "products.bulk_deleted":
        return f"{data.get('count')} products"
    return None


async def record(conn, envelope: Envelope) -> bool:
    return await store.record_audit(conn, envelope, target(envelope.type, envelope.data))


class AuditHandlers:
    """One handler for every audit-worthy event of another service: they are recorded alike."""

    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    def routes(self) -> dict:
        return {event_type: self.record_event for event_type in FROM_OTHER_SERVICES}

    async def record_event(self, envelope: Envelope, _: Body) -> None:
        async with self.pool.acquire() as conn:
            await record(conn, envelope)
