"""Commands from the API and handlers of the events about our jobs.

Each one locks the job's projection row, appends to the job's stream, folds, and, for
events this service emits, writes the outbox row, all in one transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import structlog

from pikit import outbox
from pikit.app import ApiError
from pikit.events import (Body, Envelope, ImportCancelled, ImportCancelRequested, ImportCompleted,
                          ImportRequested, new_event)
from upload import domain, store

log = structlog.get_logger("upload.handlers")

SOURCE = "upload"
CONSUMED = ("import.started", "import.progress", "import.validated", "import.failed", "import.batch_done")


# Parts of other services' events a job does not need (thousands of product refs per batch).
_NOT_STORED = {"import.batch_done": ("created", "changed")}


async def _append(conn: asyncpg.Connection, state: dict, envelope: Envelope, *, publish: bool) -> tuple[dict, bool]:
    job_id = state["id"]
    if dropped := _NOT_STORED.get(envelope.type):
        envelope = envelope.model_copy(update={"data": {k: v for k, v in envelope.data.items() if k not in dropped}})
    if not domain.advances(state, envelope.type, envelope.data):
        return state, False
    if not await store.append_event(conn, job_id, envelope):
        return state, False
    state = domain.fold(state, envelope.type, envelope.data, envelope.time)
    if publish:
        await outbox.enqueue(conn, store.SCHEMA, envelope)
    return state, True


async def create_job(pool: asyncpg.Pool, *, job_id: str, filename: str, storage_key: str, size_bytes: int,
                     sha256: str, created_by: str, correlation_id: str | None, retry_of: str | None = None) -> dict:
    requested = new_event(
        ImportRequested(job_id=job_id, filename=filename, storage_key=storage_key, size_bytes=size_bytes,
                        sha256=sha256, retry_of=retry_of),
        source=SOURCE, correlation_id=correlation_id, principal=created_by)
    state = domain.new_job(job_id, filename, requested.time, size_bytes=size_bytes, sha256=sha256,
                           retry_of=retry_of, created_by=created_by)
    async with pool.acquire() as conn, conn.transaction():
        await store.insert_job(conn, job_id, filename, storage_key, size_bytes, sha256, "queued", state)
        state, _ = await _append(conn, state, requested, publish=True)
        await store.save_state(conn, job_id, domain.status(state), state)
    return state


async def record(pool: asyncpg.Pool, envelope: Envelope, body: Body) -> None:
    """Fold an event from another service into its job; complete the job when it is done."""
    job_id = body.job_id
    async with pool.acquire() as conn, conn.transaction():
        row = await store.lock_job(conn, job_id)
        if row is None:
            log.warning("event about an unknown job", job_id=job_id, type=envelope.type)
            return
        state, changed = await _append(conn, row["state"], envelope, publish=False)
        if not changed:
            return
        if domain.is_complete(state):
            now = datetime.now(UTC)
            completed = new_event(ImportCompleted(**domain.completion(state, now)), source=SOURCE,
                                  correlation_id=envelope.correlation_id)
            state, _ = await _append(conn, state, completed, publish=True)
        await store.save_state(conn, job_id, domain.status(state), state)


def routes() -> dict:
    return {event_type: record for event_type in CONSUMED}


async def cancel(pool: asyncpg.Pool, job_id: str, correlation_id: str | None) -> dict:
    async with pool.acquire() as conn, conn.transaction():
        row = await store.lock_job(conn, job_id)
        if row is None:
            raise ApiError(404, "not_found", f"No import job {job_id}.")
        state = row["state"]
        if not domain.can_cancel(state):
            raise ApiError(409, "not_cancellable", f"The job is already {domain.status(state)}.",
                           job=domain.view(state))
        for body in (ImportCancelRequested(job_id=job_id), ImportCancelled(job_id=job_id)):
            state, _ = await _append(conn, state, new_event(body, source=SOURCE, correlation_id=correlation_id),
                                     publish=True)
        await store.save_state(conn, job_id, domain.status(state), state)
    return state


async def retry(pool: asyncpg.Pool, job_id: str, created_by: str, correlation_id: str | None) -> dict:
    """A failed or cancelled job is run again as a new job over the same stored file."""
    row = await store.get_job(pool, job_id)
    if row is None:
        raise ApiError(404, "not_found", f"No import job {job_id}.")
    if not domain.can_retry(row["state"]):
        raise ApiError(409, "not_retryable",
                       f"Only failed or cancelled jobs can be retried; this one is {row['status']}.")
    return await create_job(pool, job_id=str(uuid.uuid4()), filename=row["filename"],
                            storage_key=row["storage_key"], size_bytes=row["size_bytes"], sha256=row["sha256"],
                            created_by=created_by, correlation_id=correlation_id, retry_of=job_id)
