"""The pool of delivery workers.

Deliveries are rows in PostgreSQL. One loop leases due rows (``FOR UPDATE SKIP LOCKED``,
``next_attempt_at <= now()``) as workers free up and starts one task per delivery; it is
woken by NOTIFY (new deliveries, re-sends), by a finished task, by the earliest future
``next_attempt_at``, and otherwise polls slowly. Sending never holds a database connection,
and the bus consumer only inserts rows, so a slow receiver blocks nothing but its own
deliveries (and at most ``max_in_flight_per_endpoint`` workers)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from pikit.batching import MicroBatcher
from webhooks import audit, domain, store
from webhooks.foreground import ForegroundGate
from webhooks.secretbox import SecretBox, SecretKeyError
from webhooks.sender import AttemptResult, Sender
from webhooks.settings import WebhooksSettings

log = structlog.get_logger("webhooks.dispatcher")


class Dispatcher:
    def __init__(self, pool: asyncpg.Pool, sender: Sender, settings: WebhooksSettings, secrets: SecretBox,
                 rand=random.random, gate: ForegroundGate | None = None):
        self.pool = pool
        self.gate = gate
        self.sender = sender
        self.settings = settings
        self.secrets = secrets
        self.rand = rand
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._in_flight: Counter[uuid.UUID] = Counter()  # being sent, per endpoint
        self._successes: MicroBatcher[tuple] = MicroBatcher(self._record_successes, max_size=500,
                                                            max_wait=settings.record_gather_seconds)

    def notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        """New deliveries: claim them, unless every endpoint they are for already has as many
        in flight as allowed (then a finishing send claims them; waking for nothing cost a
        claim and a look for the next due time each, hundreds a second while events pour in)."""
        limit = self.settings.max_in_flight_per_endpoint
        try:
            endpoints = [uuid.UUID(part) for part in payload.split(",")] if payload else []
        except ValueError:
            endpoints = []
        if not endpoints or any(self._in_flight.get(e, 0) < limit for e in endpoints):
            self._wake.set()

    async def run(self) -> None:
        listener = await self.pool.acquire()
        try:
            await listener.add_listener(store.CHANNEL, self.notified)
            while True:
                sending = sum(self._in_flight.values())
                if sending and self.settings.claim_gather_seconds:
                    # Sends finishing close together share one claim (and so one lease statement).
                    await asyncio.sleep(self.settings.claim_gather_seconds)
                self._wake.clear()
                free = self.settings.workers - sum(self._in_flight.values())
                claimed = 0
                if free > 0 and self.gate is not None:
                    free = await self.gate.take(free)
                if free > 0:
                    async with self.pool.acquire() as conn:
                        rows = await store.claim_due(conn, free, self.settings.lease_seconds,
                                                     self.settings.max_in_flight_per_endpoint,
                                                     {k: v for k, v in self._in_flight.items() if v > 0})
                    for row in rows:
                        self._start(row)
                    claimed = len(rows)
                    if self.gate is not None and claimed < free:
                        self.gate.give_back(free - claimed)
                    if claimed == free:
                        continue  # maybe more are due: claim again once a worker is free
                timeout = self.settings.poll_seconds
                if claimed == 0:  # otherwise a worker finishing soon wakes this loop anyway
                    async with self.pool.acquire() as conn:
                        until = await store.seconds_until_next_due(conn)
                    if until is not None and until > 0:
                        timeout = min(timeout, until + 0.005)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout)
                except TimeoutError:
                    pass
        finally:
            try:
                await listener.remove_listener(store.CHANNEL, self.notified)
            finally:
                await self.pool.release(listener)

    async def stop(self) -> None:
        """Cancel deliveries in flight; their leases run out and they are sent again later."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, row: asyncpg.Record) -> None:
        self._in_flight[row["endpoint_id"]] += 1
        task = asyncio.create_task(self._deliver(row))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _sent(self, endpoint_id: uuid.UUID) -> None:
        """The worker is free once the receiver has answered; storing the result goes on without
        holding it (the delivery stays leased until then, so nobody else takes it)."""
        self._in_flight[endpoint_id] -= 1
        if self._in_flight[endpoint_id] <= 0:
            del self._in_flight[endpoint_id]
        self._wake.set()

    async def _deliver(self, row: asyncpg.Record) -> None:
        try:
            try:
                if not row["enabled"]:
                    async with self.pool.acquire() as conn:
                        await store.fail_unsent(conn, row["id"], "endpoint disabled")
                    return
                try:  # decrypted once per distinct ciphertext, then from the box's cache
                    secret = self.secrets.decrypt(row["secret_ciphertext"])
                    previous = row["previous_secret_ciphertext"]
                    previous = self.secrets.decrypt(previous) if previous else None
                except SecretKeyError as exc:  # a key removed while its secrets were in use
                    result = AttemptResult(None, 0, error=f"cannot sign: {exc}")
                else:
                    result = await self.sender.send(row["url"], secret, domain.webhook_id(row["id"]),
                                                    row["payload"], previous)
            finally:
                self._sent(row["endpoint_id"])
            await self.record(row, result)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease runs out and the delivery is tried again: at least once, never lost.
            log.exception("delivery crashed", delivery_id=str(row["id"]))

    async def _record_successes(self, successes: list[tuple]) -> None:
        async with self.pool.acquire() as conn:  # see dispatcher_app on durability
            await store.record_successes(conn, successes)

    async def record(self, row: asyncpg.Record, result: AttemptResult) -> None:
        attempt = row["attempts"] + 1
        if result.success:  # the common case: recorded with others that succeeded at the same time
            await self._successes.submit((row["id"], attempt, result.status_code, result.latency_ms,
                                          result.response_excerpt))
            return
        delay = domain.retry_delay(attempt - row["round_start"], self.settings.retry_delays,
                                   self.settings.retry_jitter, self.rand())
        status = "failed" if delay is None else "pending"
        next_at = None if delay is None else datetime.now(UTC) + timedelta(seconds=delay)
        async with self.pool.acquire() as conn, conn.transaction():
            state = await store.record_failed_attempt(
                conn, delivery_id=row["id"], endpoint_id=row["endpoint_id"], attempt=attempt, status=status,
                next_attempt_at=next_at, status_code=result.status_code, latency_ms=result.latency_ms,
                response_excerpt=result.response_excerpt, error=result.error,
                disable_after_seconds=self.settings.auto_disable_after_seconds)
            if state is not None and state["just_disabled"]:  # an endpoint change: audited with it
                await audit.publish(conn, audit.disabled_automatically(row["endpoint_id"], state["url"],
                                                                       state["disabled_reason"]))
        if state is None:
            return
        log.info("delivery attempt failed", delivery_id=str(row["id"]), event_type=row["event_type"],
                 attempt=attempt, status=status, status_code=result.status_code, latency_ms=result.latency_ms,
                 error=result.error, retry_in=delay)
        if state["just_disabled"]:
            log.warning("endpoint disabled", endpoint_id=str(row["endpoint_id"]), reason=state["disabled_reason"])
