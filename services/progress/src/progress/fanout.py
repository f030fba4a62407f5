"""In-process fan-out of changes to SSE clients: one Redis reader per gateway process.

Each gateway process runs ONE task that blocks on the global stream (``XREAD BLOCK``
on its own connection) and, for every entry, wakes the clients that follow that job
and the clients that follow every job. A woken client reads what it has not sent yet
from Redis itself (``XRANGE`` after its last id), so nothing is buffered per client,
nothing is lost if a wake-up is missed (clients also re-read every ``poll_seconds``,
which keeps them going while the reader reconnects to Redis), and the Redis cost of
waiting does not grow with the number of clients: any number of clients on any number
of replicas share one blocking connection per replica.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from redis.asyncio import Redis

from progress.store import read_global_blocking

log = structlog.get_logger("progress.fanout")

ALL_JOBS = None  # the key of clients following every job


class Waiter:
    """A client's doorbell: ``clear()`` before reading, then ``wait()`` if there was nothing."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> bool:
        """True if rung, False on timeout."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
            return True
        except TimeoutError:
            return False


class Fanout:
    def __init__(self, redis: Redis, stream: str, *, block_ms: int = 5000):
        """``redis``: a client used for nothing but this reader's blocking reads."""
        self.redis = redis
        self.stream = stream
        self.block_ms = block_ms
        self.last_id: str | None = None
        self._waiters: dict[str | None, set[Waiter]] = {}
        self.running = asyncio.Event()

    @property
    def subscriber_count(self) -> int:
        return sum(len(waiters) for waiters in self._waiters.values())

    @contextmanager
    def subscribe(self, job_id: str | None = ALL_JOBS) -> Iterator[Waiter]:
        """Register a waiter for one job's changes (or every job's, with ``ALL_JOBS``)."""
        waiter = Waiter()
        self._waiters.setdefault(job_id, set()).add(waiter)
        try:
            yield waiter
        finally:
            waiters = self._waiters.get(job_id)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[job_id]

    def _ring(self, job_id: str | None) -> None:
        for waiter in self._waiters.get(job_id, ()):
            waiter.ring()

    def _ring_everyone(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                waiter.ring()

    async def run(self) -> None:
        """Read the global stream until cancelled; reconnect (and resume) when Redis fails."""
        while True:
            try:
                if self.last_id is None:
                    latest = await self.redis.xrevrange(self.stream, count=1)
                    self.last_id = latest[0][0] if latest else "0-0"
                    # Whatever happened while we were not reading: let every client re-read.
                    self._ring_everyone()
                self.running.set()
                entries = await read_global_blocking(self.redis, self.stream, self.last_id, self.block_ms)
                for entry_id, job_id in entries:
                    self._ring(job_id)
                    self.last_id = entry_id
                if entries:
                    self._ring(ALL_JOBS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.running.clear()
                log.warning("progress stream reader failed; retrying", error=repr(exc))
                await asyncio.sleep(1)
                self._ring_everyone()  # wake-ups may have been missed: every client re-reads
