"""Every SQL statement on the ``webhooks`` schema."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

SCHEMA = "webhooks"
CHANNEL = "webhooks_deliveries"  # NOTIFY: deliveries are due; payload: their endpoint ids, or '' for any
NOTIFY_MAX_ENDPOINTS = 100  # more than this many endpoints in one NOTIFY: '' (its payload is limited)

ENDPOINT_COLUMNS = ("id, url, description, events, enabled, disabled_reason, secret_ciphertext, "
                    "previous_secret_ciphertext, previous_secret_expires_at, failing_since, created_at, updated_at")


# --- endpoints ------------------------------------------------------------


async def create_endpoint(conn, *, url: str, events: list[str], enabled: bool, description: str,
                          secret_ciphertext: str) -> asyncpg.Record:
    return await conn.fetchrow(
        f"INSERT INTO endpoints (id, url, events, enabled, description, secret_ciphertext) "
        f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENDPOINT_COLUMNS}",
        uuid.uuid4(), url, events, enabled, description, secret_ciphertext)


_LAST = """
    LEFT JOIN LATERAL (
        SELECT d.last_status_code, d.last_latency_ms, d.last_attempt_at, d.last_error, d.event_type,
               d.last_error IS NULL AND d.last_status_code BETWEEN 200 AND 299 AS last_success
        FROM deliveries d WHERE d.endpoint_id = e.id AND d.last_attempt_at IS NOT NULL
        ORDER BY d.last_attempt_at DESC NULLS LAST LIMIT 1) last ON true"""


async def list_endpoints(conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        f"SELECT e.*, last.* FROM endpoints e {_LAST} ORDER BY e.created_at, e.id LIMIT $1 OFFSET $2",
        limit, offset)
    total = await conn.fetchval("SELECT count(*) FROM endpoints")
    return rows, total


async def get_endpoint(conn, endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT e.*, last.* FROM endpoints e {_LAST} WHERE e.id = $1", endpoint_id)


async def endpoint_for_update(conn, endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    """The endpoint's fields as they are before a change (locked until the transaction ends)."""
    return await conn.fetchrow(
        f"SELECT {ENDPOINT_COLUMNS} FROM endpoints WHERE id = $1 FOR NO KEY UPDATE", endpoint_id)


async def update_endpoint(conn, endpoint_id: uuid.UUID, changes: dict) -> asyncpg.Record | None:
    """``changes``: any of url, events, enabled, description. Enabling clears the failure run
    and the reason of an automatic disable."""
    allowed = ("url", "events", "enabled", "description")
    sets, args = [], [endpoint_id]
    for name in allowed:
        if name in changes:
            args.append(changes[name])
            sets.append(f"{name} = ${len(args)}")
    if changes.get("enabled") is True:
        sets += ["disabled_reason = NULL", "failing_since = NULL"]
    elif changes.get("enabled") is False:
        sets.append("disabled_reason = NULL")
    sets.append("updated_at = now()")
    row = await conn.fetchrow(f"UPDATE endpoints SET {', '.join(sets)} WHERE id = $1 RETURNING id", *args)
    return None if row is None else await get_endpoint(conn, endpoint_id)


async def rotate_secret(conn, endpoint_id: uuid.UUID, secret_ciphertext: str,
                        grace_seconds: float) -> asyncpg.Record | None:
    """The new secret signs from now on; the old one also signs for ``grace_seconds`` (its
    ciphertext moves over as it is: no key is needed to keep it)."""
    row = await conn.fetchrow(
        "UPDATE endpoints SET previous_secret_ciphertext = CASE WHEN $3 > 0 THEN secret_ciphertext END, "
        "previous_secret_expires_at = CASE WHEN $3 > 0 THEN now() + make_interval(secs => $3) END, "
        "secret_ciphertext = $2, updated_at = now() WHERE id = $1 RETURNING id",
        endpoint_id, secret_ciphertext, float(grace_seconds))
    return None if row is None else await get_endpoint(conn, endpoint_id)


async def delete_endpoint(conn, endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    """The deleted endpoint's id and url, or None when there was none."""
    return await conn.fetchrow("DELETE FROM endpoints WHERE id = $1 RETURNING id, url", endpoint_id)


# --- secrets at rest (webhooks.secretbox) ----------------------------------


async def secrets_for_update(conn) -> list[asyncpg.Record]:
    """Every endpoint's stored secrets, locked (not against new deliveries: no key changes)."""
    return await conn.fetch(
        "SELECT id, plaintext_secret, plaintext_previous_secret, secret_ciphertext, previous_secret_ciphertext, "
        "previous_secret_expires_at, previous_secret_expires_at <= now() AS previous_expired "
        "FROM endpoints ORDER BY id FOR NO KEY UPDATE")


async def set_secrets(conn, endpoint_id: uuid.UUID, secret_ciphertext: str | None,
                      previous_secret_ciphertext: str | None) -> None:
    """Store the (re-)encrypted secrets and empty the plaintext columns left from before."""
    await conn.execute(
        "UPDATE endpoints SET secret_ciphertext = $2, previous_secret_ciphertext = $3, plaintext_secret = NULL, "
        "plaintext_previous_secret = NULL WHERE id = $1", endpoint_id, secret_ciphertext, previous_secret_ciphertext)


async def secret_ciphertexts(conn) -> list[str]:
    """Every secret that may sign now: the current ones and those in a rotation's grace period."""
    return [r[0] for r in await conn.fetch(
        "SELECT secret_ciphertext FROM endpoints WHERE secret_ciphertext IS NOT NULL UNION ALL "
        "SELECT previous_secret_ciphertext FROM endpoints "
        "WHERE previous_secret_ciphertext IS NOT NULL AND previous_secret_expires_at > now()")]


# --- deliveries -----------------------------------------------------------


async def create_deliveries(conn, consumer: str, events: list[tuple[str, str, str]]) -> int:
    """In one statement (one transaction): the inbox rows of ``events`` (event id, type, JSON
    payload) and one pending delivery for every enabled endpoint that wants each new event,
    then a NOTIFY. Events seen before (redeliveries) add nothing. Returns how many deliveries
    were created. The delivery id is derived from event and endpoint, so even without the
    inbox an event could not be delivered twice to one endpoint."""
    ids, types, payloads = (list(column) for column in zip(*events, strict=True))
    return await conn.fetchval(
        """
        WITH input AS (
            SELECT DISTINCT ON (event_id) * FROM unnest($2::text[], $3::text[], $4::text[])
                AS i (event_id, event_type, payload)),
        seen AS (
            INSERT INTO inbox (consumer, message_id) SELECT $1, event_id FROM input
            ON CONFLICT DO NOTHING RETURNING message_id),
        created AS (
            INSERT INTO deliveries (id, endpoint_id, event_id, event_type, payload)
            SELECT md5(i.event_id || '/' || e.id::text)::uuid, e.id, i.event_id, i.event_type, i.payload
            FROM input i JOIN seen s ON s.message_id = i.event_id
            JOIN endpoints e ON e.enabled AND i.event_type = ANY (e.events)
            ON CONFLICT (id) DO NOTHING RETURNING endpoint_id)
        SELECT count(*) AS created,
               CASE WHEN count(*) > 0 THEN pg_notify($5, CASE WHEN count(DISTINCT endpoint_id) <= $6
                   THEN string_agg(DISTINCT endpoint_id::text, ',') ELSE '' END)::text END AS notified
        FROM created
        """,
        consumer, ids, types, payloads, CHANNEL, NOTIFY_MAX_ENDPOINTS)


async def notify(conn, endpoint_id: uuid.UUID) -> None:
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(endpoint_id))


async def claim_due(conn, limit: int, lease_seconds: float, per_endpoint: int,
                    in_flight: dict[uuid.UUID, int]) -> list[asyncpg.Record]:
    """Lease up to ``limit`` due deliveries (at most ``per_endpoint`` minus what this process
    already has in flight for each endpoint) for ``lease_seconds``: a dispatcher that dies
    mid-send leaves them to be taken again once the lease ends."""
    return await conn.fetch(
        """
        WITH busy AS (SELECT * FROM unnest($4::uuid[], $5::int[]) AS b (endpoint_id, n)),
        claimable AS (
            SELECT d.id FROM endpoints e
            CROSS JOIN LATERAL (
                SELECT d.id FROM deliveries d
                WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= now()
                  AND (d.leased_until IS NULL OR d.leased_until <= now())
                ORDER BY d.next_attempt_at
                LIMIT greatest($3 - coalesce((SELECT n FROM busy WHERE busy.endpoint_id = e.id), 0), 0)
                FOR UPDATE OF d SKIP LOCKED) d
            LIMIT $1)
        UPDATE deliveries d SET leased_until = now() + make_interval(secs => $2)
        FROM claimable c, endpoints e
        WHERE d.id = c.id AND e.id = d.endpoint_id
        RETURNING d.id, d.endpoint_id, d.event_type, d.payload, d.attempts, d.round_start,
                  e.url, e.secret_ciphertext, e.enabled,
                  CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret_ciphertext END
                      AS previous_secret_ciphertext
        """,
        limit, lease_seconds, per_endpoint, list(in_flight), list(in_flight.values()))


async def seconds_until_next_due(conn) -> float | None:
    """When the next delivery not due yet (a retry) becomes due (leases that run out, only
    after a dispatcher died, are found by the poll). Per
    endpoint through the ``deliveries_due`` index, starting at now: a min() over every
    pending delivery read the whole backlog, and the dispatcher asks whenever it claimed
    nothing (e.g. every endpoint busy)."""
    return await conn.fetchval(
        """
        SELECT extract(epoch FROM min(next.at) - now())::float8 FROM endpoints e
        CROSS JOIN LATERAL (
            SELECT d.next_attempt_at AS at FROM deliveries d
            WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at > now()
            ORDER BY d.next_attempt_at LIMIT 1) next
        """)


async def record_attempt(conn, *, delivery_id: uuid.UUID, attempt: int, status: str, next_attempt_at: datetime | None,
                         status_code: int | None, latency_ms: int, response_excerpt: str | None, error: str | None,
                         success: bool) -> bool:
    """Store attempt number ``attempt`` and the delivery's new state; False when the delivery
    is gone (endpoint deleted) or was recorded by someone else."""
    row = await conn.fetchrow(
        "UPDATE deliveries SET attempts = $2, status = $3, next_attempt_at = coalesce($4, next_attempt_at), "
        "leased_until = NULL, "
        "last_attempt_at = now(), last_status_code = $5, last_latency_ms = $6, last_response_excerpt = $7, "
        "last_error = $8, finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END "
        "WHERE id = $1 AND attempts = $2 - 1 AND status = 'pending' RETURNING id",
        delivery_id, attempt, status, next_attempt_at, status_code, latency_ms, response_excerpt, error)
    if row is None:
        return False
    await conn.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, latency_ms, response_excerpt, error, "
        "success) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        delivery_id, attempt, status_code, latency_ms, response_excerpt, error, success)
    return True


async def record_failed_attempt(conn, *, delivery_id: uuid.UUID, endpoint_id: uuid.UUID, attempt: int, status: str,
                                next_attempt_at: datetime | None, status_code: int | None, latency_ms: int,
                                response_excerpt: str | None, error: str | None,
                                disable_after_seconds: float) -> asyncpg.Record | None:
    """In one transaction: attempt number ``attempt`` failed, the delivery's new state, and the
    endpoint's run of failures continued (see ``endpoint_failed``, whose answer this returns).
    None when the endpoint or delivery is gone or the attempt was recorded by someone else.

    The endpoint row is locked before the delivery's: the order in which deleting an endpoint
    takes them (ON DELETE CASCADE). The other order deadlocked with a DELETE /webhooks/{id}."""
    async with conn.transaction():
        if await conn.fetchval("SELECT true FROM endpoints WHERE id = $1 FOR NO KEY UPDATE", endpoint_id) is None:
            return None
        if not await record_attempt(conn, delivery_id=delivery_id, attempt=attempt, status=status,
                                    next_attempt_at=next_attempt_at, status_code=status_code, latency_ms=latency_ms,
                                    response_excerpt=response_excerpt, error=error, success=False):
            return None
        return await endpoint_failed(conn, endpoint_id, disable_after_seconds, error)


# The deliveries are looked up by key (``id = ANY``, not only joined with the input), and
# their state is checked as "not finished" rather than status = 'pending', which would let the
# planner read them through ``deliveries_due``, an index of every pending delivery. It did, on
# statistics taken when few were pending: with 10,000 in the backlog, recording 100 successes
# took 200 ms (every pending delivery joined with every success), 2-3 CPU seconds of
# PostgreSQL per 10,000 deliveries. Looked up by key, the work is proportional to the batch.
RECORD_SUCCESSES = """
    WITH i AS (
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[], $5::text[])
            AS i (id, attempt, status_code, latency_ms, excerpt)),
    d AS (
        UPDATE deliveries d SET attempts = i.attempt, status = 'succeeded', last_attempt_at = now(),
               last_status_code = i.status_code, last_latency_ms = i.latency_ms,
               last_response_excerpt = i.excerpt, last_error = NULL, finished_at = now()
        FROM i WHERE d.id = ANY ($1::uuid[]) AND d.id = i.id AND d.attempts = i.attempt - 1
                 AND d.status NOT IN ('succeeded', 'failed')
        RETURNING d.id, d.endpoint_id, i.attempt, i.status_code, i.latency_ms, i.excerpt),
    a AS (
        INSERT INTO delivery_attempts (delivery_id, attempt, status_code, latency_ms, response_excerpt, success)
        SELECT id, attempt, status_code, latency_ms, excerpt, true FROM d),
    e AS (
        UPDATE endpoints SET failing_since = NULL
        WHERE id IN (SELECT id FROM endpoints WHERE id IN (SELECT endpoint_id FROM d)
                     AND failing_since IS NOT NULL FOR NO KEY UPDATE SKIP LOCKED))
    SELECT count(*) FROM d
    """


async def record_successes(conn, successes: list[tuple]) -> int:
    """The common case, many at once, in one statement: each ``(delivery_id, attempt,
    status_code, latency_ms, response_excerpt)`` attempt stored, its delivery succeeded, its
    endpoint's run of failures (if any) ended. Returns how many deliveries were recorded (one
    recorded by someone else, or deleted with its endpoint, is left alone).

    The statement holds the deliveries' row locks when it comes to their endpoints, the
    reverse of the order deleting an endpoint takes them (ON DELETE CASCADE), so it never
    waits for an endpoint: one locked at that moment (being deleted, or a failure of another
    of its deliveries being recorded) keeps its run of failures."""
    return await conn.fetchval(RECORD_SUCCESSES, *(list(column) for column in zip(*successes, strict=True)))


async def fail_unsent(conn, delivery_id: uuid.UUID, reason: str) -> None:
    """A claimed delivery whose endpoint was disabled meanwhile: failed without an attempt."""
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $2, finished_at = now() "
        "WHERE id = $1 AND status = 'pending'", delivery_id, reason)


async def endpoint_failed(conn, endpoint_id: uuid.UUID, disable_after_seconds: float,
                          error: str | None) -> asyncpg.Record | None:
    """Start (or continue) the endpoint's run of failures; disable it when the run has lasted
    ``disable_after_seconds``. Returns enabled, disabled_reason, expired, just_disabled (this
    failure disabled it) and url."""
    return await conn.fetchrow(
        """
        UPDATE endpoints e SET
            failing_since = coalesce(e.failing_since, now()),
            enabled = e.enabled AND NOT expired,
            disabled_reason = CASE WHEN e.enabled AND expired THEN
                format('disabled automatically: every delivery failed since %s (last error: %s)',
                       to_char(e.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), $3::text)
                ELSE e.disabled_reason END,
            updated_at = CASE WHEN e.enabled AND expired THEN now() ELSE e.updated_at END
        FROM (SELECT coalesce(failing_since <= now() - make_interval(secs => $2), false) AS expired,
                     enabled AS was_enabled
              FROM endpoints WHERE id = $1) x
        WHERE e.id = $1
        RETURNING e.enabled, e.disabled_reason, x.expired, x.was_enabled AND x.expired AS just_disabled, e.url
        """,
        endpoint_id, disable_after_seconds, (error or "unknown")[:300])


async def list_deliveries(conn, endpoint_id: uuid.UUID, limit: int, offset: int,
                          status: str | None) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(
        "SELECT * FROM deliveries WHERE endpoint_id = $1 AND ($4::text IS NULL OR status = $4) "
        "ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3", endpoint_id, limit, offset, status)
    total = await conn.fetchval(
        "SELECT count(*) FROM deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)",
        endpoint_id, status)
    return rows, total


async def attempts_of(conn, delivery_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[asyncpg.Record]]:
    rows = await conn.fetch(
        "SELECT * FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt",
        delivery_ids)
    out: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for row in rows:
        out.setdefault(row["delivery_id"], []).append(row)
    return out


async def get_delivery(conn, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM deliveries WHERE id = $1 AND endpoint_id = $2",
                               delivery_id, endpoint_id)


async def resend(conn, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> asyncpg.Record | None:
    """Queue a delivery again, at once, with a fresh round of the retry schedule (same webhook-id).
    A delivery still pending is only moved to now."""
    row = await conn.fetchrow(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), leased_until = NULL, round_start = attempts, "
        "finished_at = NULL WHERE id = $1 AND endpoint_id = $2 RETURNING *", delivery_id, endpoint_id)
    if row is not None:
        await notify(conn, endpoint_id)
    return row

