"""Every SQL statement on the upload schema: job streams and their projection."""

from __future__ import annotations

import asyncpg

from pikit.events import Envelope

SCHEMA = "upload"


async def insert_job(conn: asyncpg.Connection, job_id: str, filename: str, storage_key: str, size_bytes: int,
                     sha256: str, status: str, state: dict) -> None:
    await conn.execute(
        "INSERT INTO jobs (id, filename, storage_key, size_bytes, sha256, status, state) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        job_id, filename, storage_key, size_bytes, sha256, status, state,
    )


async def append_event(conn: asyncpg.Connection, job_id: str, envelope: Envelope) -> bool:
    """Append to the job's stream; False if this event id is already there."""
    return await conn.fetchval(
        "INSERT INTO job_events (job_id, event_id, type, source, data, occurred_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING RETURNING true",
        job_id, envelope.id, envelope.type, envelope.source, envelope.data, envelope.time,
    ) is True


async def lock_job(conn: asyncpg.Connection, job_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM jobs WHERE id = $1 FOR UPDATE", job_id)


async def save_state(conn: asyncpg.Connection, job_id: str, status: str, state: dict) -> None:
    await conn.execute("UPDATE jobs SET status = $2, state = $3, updated_at = now() WHERE id = $1",
                       job_id, status, state)


async def get_job(conn: asyncpg.Connection | asyncpg.Pool, job_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM jobs WHERE id = $1", job_id)


async def list_jobs(pool: asyncpg.Pool, limit: int, offset: int, status: str | None) -> tuple[list, int]:
    rows = await pool.fetch(
        "SELECT state FROM jobs WHERE ($3::text IS NULL OR status = $3) "
        "ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2",
        limit, offset, status,
    )
    total = await pool.fetchval("SELECT count(*) FROM jobs WHERE ($1::text IS NULL OR status = $1)", status)
    return [r["state"] for r in rows], total


async def job_events(pool: asyncpg.Pool, job_id: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT event_id, type, source, data, occurred_at, recorded_at FROM job_events "
        "WHERE job_id = $1 ORDER BY seq", job_id)
