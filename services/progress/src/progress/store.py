"""Every Redis command of the progress service (redis.asyncio).

Keys, all under the bus namespace ``ns`` so a test run never meets a running stack:

- ``{ns}:progress:job:{id}``     the job's snapshot (JSON, with the fold's private facts), TTL
- ``{ns}:progress:events:{id}``  stream of the job's public snapshots, one entry per change,
                                 ``MAXLEN ~ job_stream_maxlen``, TTL
- ``{ns}:progress:events``       stream of every job's changes, ``MAXLEN ~ global_stream_maxlen``
- ``{ns}:progress:jobs``         sorted set of job ids by last change (epoch ms), the newest
                                 ``jobs_index_size`` kept: the dashboard's first snapshot

An entry has the fields ``job_id``, ``type`` (the event that caused the change) and
``snapshot`` (public JSON). One change is written with ONE id in both streams: the
entry is added to the global stream with ``*`` and to the job's stream with that same
id (valid, since every job entry is also a global entry, so the job stream's last id
is always below the global stream's next one). So the SSE id of a change is the same
whether a client follows one job or all of them, and every gateway replica reading
the global stream knows which job entry it saw.

Writes are a compare-and-set: read the snapshot, fold the event in Python, and a Lua
script writes the new snapshot, both stream entries and the index only if the stored
snapshot is still the one read (else read and fold again). Several consumer replicas
may update one job at once; within a process a per-job lock avoids useless conflicts.
"""

from __future__ import annotations

import asyncio
import time as _time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import orjson
from redis.asyncio import Redis

from progress import domain

Entry = tuple[str, dict]  # (stream entry id, public snapshot)

_WRITE = """
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return false end
local ttl = tonumber(ARGV[6])
redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)
if ARGV[11] ~= '1' then return '' end
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*',
                      'job_id', ARGV[5], 'type', ARGV[4], 'snapshot', ARGV[3])
local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], id,
                          'job_id', ARGV[5], 'type', ARGV[4], 'snapshot', ARGV[3])
if type(added) == 'table' and added.err then
  -- only if the global stream was reset under a job stream (clock moved back): own id
  id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*',
                  'job_id', ARGV[5], 'type', ARGV[4], 'snapshot', ARGV[3])
end
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
redis.call('ZADD', KEYS[4], ARGV[9], ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[10]) + 1))
redis.call('EXPIRE', KEYS[4], ttl)
return id
"""


def parse_id(value: str | None) -> tuple[int, int] | None:
    """A Redis stream id ``<ms>-<seq>`` as a comparable tuple; None if it is not one."""
    if not value:
        return None
    ms, sep, seq = value.strip().partition("-")
    if not ms.isdigit() or (sep and not seq.isdigit()):
        return None
    parsed = int(ms), int(seq or 0)
    return parsed if max(parsed) < 2**64 else None


class ProgressStore:
    def __init__(self, redis: Redis, namespace: str, *, ttl_seconds: int = 7 * 24 * 3600,
                 job_stream_maxlen: int = 1000, global_stream_maxlen: int = 10_000,
                 jobs_index_size: int = 1000):
        """``redis`` must be created with ``decode_responses=True``."""
        self.redis = redis
        self.namespace = namespace
        self.ttl_seconds = ttl_seconds
        self.job_stream_maxlen = job_stream_maxlen
        self.global_stream_maxlen = global_stream_maxlen
        self.jobs_index_size = jobs_index_size
        self.global_stream = f"{namespace}:progress:events"
        self.jobs_index = f"{namespace}:progress:jobs"
        self._write = redis.register_script(_WRITE)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def job_key(self, job_id: str) -> str:
        return f"{self.namespace}:progress:job:{job_id}"

    def job_stream(self, job_id: str) -> str:
        return f"{self.namespace}:progress:events:{job_id}"

    async def ping(self) -> None:
        await self.redis.ping()

    # --- writing ----------------------------------------------------------

    @asynccontextmanager
    async def _job_lock(self, job_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(job_id) or (asyncio.Lock(), 0)
        self._locks[job_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[job_id]
            if users == 1:
                del self._locks[job_id]
            else:
                self._locks[job_id] = (lock, users - 1)

    async def apply_event(self, job_id: str, event_type: str, data: dict, time: datetime) -> str | None:
        """Fold one event into the job's snapshot and publish the change.

        Returns the stream id of the change, or None when the public snapshot did not
        change (a duplicate delivery, or an event that adds nothing clients can see;
        the private facts are still saved when they changed).
        """
        async with self._job_lock(job_id):
            while True:
                raw = await self.redis.get(self.job_key(job_id))
                current = orjson.loads(raw) if raw else None
                new = domain.apply(current, event_type, {**data, "job_id": job_id}, time)
                if new == current:
                    return None
                public = domain.public(new)
                changed = current is None or public != domain.public(current)
                entry_id = await self._write(
                    keys=[self.job_key(job_id), self.job_stream(job_id), self.global_stream, self.jobs_index],
                    args=[raw or "", orjson.dumps(new), orjson.dumps(public), event_type, job_id,
                          self.ttl_seconds, self.job_stream_maxlen, self.global_stream_maxlen,
                          int(_time.time() * 1000), self.jobs_index_size, "1" if changed else "0"],
                )
                if entry_id is not None:
                    return entry_id or None
                # Another writer changed the snapshot between our read and write: fold again.

    # --- reading ----------------------------------------------------------

    async def get_snapshot(self, job_id: str) -> dict | None:
        """The job's public snapshot, or None if unknown (or expired)."""
        raw = await self.redis.get(self.job_key(job_id))
        return domain.public(orjson.loads(raw)) if raw else None

    async def latest(self, job_id: str) -> Entry | None:
        """The job's latest change: its stream id and snapshot (None if the job is unknown)."""
        entries = await self.redis.xrevrange(self.job_stream(job_id), count=1)
        return _entries(entries)[0] if entries else None

    async def read_job(self, job_id: str, after: str, count: int = 500) -> list[Entry]:
        """The job's changes with an id greater than ``after``, oldest first."""
        return _entries(await self.redis.xrange(self.job_stream(job_id), min=f"({after}", count=count))

    async def read_all(self, after: str, count: int = 500) -> list[Entry]:
        """Every job's changes with an id greater than ``after``, oldest first."""
        return _entries(await self.redis.xrange(self.global_stream, min=f"({after}", count=count))

    async def oldest_job_id(self, job_id: str) -> str | None:
        entries = await self.redis.xrange(self.job_stream(job_id), count=1)
        return entries[0][0] if entries else None

    async def oldest_global_id(self) -> str | None:
        entries = await self.redis.xrange(self.global_stream, count=1)
        return entries[0][0] if entries else None

    async def latest_global_id(self) -> str | None:
        entries = await self.redis.xrevrange(self.global_stream, count=1)
        return entries[0][0] if entries else None

    async def recent_jobs(self, limit: int) -> list[dict]:
        """Public snapshots of the ``limit`` most recently changed jobs, newest first."""
        job_ids = await self.redis.zrevrange(self.jobs_index, 0, max(limit, 1) - 1)
        if not job_ids:
            return []
        raws = await self.redis.mget([self.job_key(job_id) for job_id in job_ids])
        return [domain.public(orjson.loads(raw)) for raw in raws if raw]


def _entries(entries: list) -> list[Entry]:
    return [(entry_id, orjson.loads(fields["snapshot"])) for entry_id, fields in entries if "snapshot" in fields]


async def read_global_blocking(redis: Redis, stream: str, after: str, block_ms: int,
                               count: int = 1000) -> list[tuple[str, str]]:
    """Wait up to ``block_ms`` for global entries after ``after``: (entry id, job id) pairs."""
    answer = await redis.xread({stream: after}, block=block_ms, count=count)
    if not answer:
        return []
    _, entries = answer[0]
    return [(entry_id, fields.get("job_id", "")) for entry_id, fields in entries]
