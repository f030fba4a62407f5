"""Every SQL statement on the accounts schema."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from pikit.events import Envelope

SCHEMA = "accounts"

USER_COLUMNS = ("id, email, role, must_change_password, disabled, created_by, created_at, updated_at, "
                "last_sign_in_at")
KEY_COLUMNS = "id, name, role, prefix, created_by, created_at, last_used_at, revoked_at, revoked_by"
# A use is written at most this often per session or key (a request is not a write).
TOUCH_EVERY = "60 seconds"


# --- users -----------------------------------------------------------------------------

async def count_users(conn) -> int:
    return await conn.fetchval("SELECT count(*) FROM users")


async def insert_user(conn, email: str, role: str, password_hash: str, created_by: str | None,
                      must_change_password: bool = True) -> asyncpg.Record:
    """UniqueViolationError when the email exists (in any letter case)."""
    return await conn.fetchrow(
        f"INSERT INTO users (email, role, password_hash, created_by, must_change_password) "
        f"VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}",
        email, role, password_hash, created_by, must_change_password)


async def user_by_email(conn, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)",
                               email)


async def get_user(conn, user_id: int, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE id = $1{lock}", user_id)


async def list_users(conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(f"SELECT {USER_COLUMNS} FROM users ORDER BY lower(email) LIMIT $1 OFFSET $2",
                            limit, offset)
    return rows, await conn.fetchval("SELECT count(*) FROM users")


async def update_user(conn, user_id: int, role: str, disabled: bool) -> asyncpg.Record:
    return await conn.fetchrow(
        f"UPDATE users SET role = $2, disabled = $3, updated_at = now() WHERE id = $1 RETURNING {USER_COLUMNS}",
        user_id, role, disabled)


async def set_password(conn, user_id: int, password_hash: str, must_change: bool) -> None:
    await conn.execute("UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now() "
                       "WHERE id = $1", user_id, password_hash, must_change)


async def active_admins(conn) -> int:
    return await conn.fetchval("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled")


async def signed_in(conn, user_id: int, rehashed: str | None) -> None:
    await conn.execute("UPDATE users SET last_sign_in_at = now(), password_hash = coalesce($2, password_hash) "
                       "WHERE id = $1", user_id, rehashed)


# --- sessions --------------------------------------------------------------------------

async def insert_session(conn, token_hash: bytes, user_id: int, expires_at: datetime, user_agent: str | None,
                         ip: str | None) -> None:
    await conn.execute("INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, ip) "
                       "VALUES ($1, $2, $3, $4, $5)", token_hash, user_id, expires_at, user_agent, ip)


async def session_user(conn, token_hash: bytes, idle_seconds: int) -> asyncpg.Record | None:
    """The session's user while the session lives (not idle too long, not past its end, the user
    not disabled); notes the use (at most once a minute)."""
    return await conn.fetchrow(f"""
        WITH s AS (
            UPDATE sessions SET last_seen_at = now()
            WHERE token_hash = $1 AND expires_at > now()
              AND last_seen_at > now() - make_interval(secs => $2)
              AND last_seen_at < now() - interval '{TOUCH_EVERY}'
            RETURNING user_id, created_at, last_seen_at, expires_at
        ), live AS (
            SELECT user_id, created_at, last_seen_at, expires_at FROM s
            UNION ALL
            SELECT user_id, created_at, last_seen_at, expires_at FROM sessions
            WHERE token_hash = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
              AND NOT EXISTS (SELECT FROM s)
        )
        SELECT u.id, u.email, u.role, u.must_change_password, live.created_at AS session_created_at,
               live.last_seen_at, live.expires_at
        FROM live JOIN users u ON u.id = live.user_id WHERE NOT u.disabled""", token_hash, float(idle_seconds))


async def delete_session(conn, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash)


async def delete_sessions_of(conn, user_id: int, *, keep: bytes | None = None) -> int:
    result = await conn.execute("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2",
                                user_id, keep)
    return int(result.split()[-1])


# --- API keys --------------------------------------------------------------------------

async def insert_key(conn, name: str, role: str, prefix: str, key_hash: bytes, created_by: str) -> asyncpg.Record:
    return await conn.fetchrow(
        f"INSERT INTO api_keys (name, role, prefix, key_hash, created_by) VALUES ($1, $2, $3, $4, $5) "
        f"RETURNING {KEY_COLUMNS}", name, role, prefix, key_hash, created_by)


async def key_by_hash(conn, key_hash: bytes) -> asyncpg.Record | None:
    """A key that is not revoked, by its hash; notes its use (at most once a minute)."""
    return await conn.fetchrow(f"""
        WITH touched AS (
            UPDATE api_keys SET last_used_at = now()
            WHERE key_hash = $1 AND revoked_at IS NULL
              AND (last_used_at IS NULL OR last_used_at < now() - interval '{TOUCH_EVERY}')
            RETURNING id
        )
        SELECT id, name, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL""", key_hash)


async def list_keys(conn, limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    rows = await conn.fetch(f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY revoked_at IS NOT NULL, id DESC "
                            "LIMIT $1 OFFSET $2", limit, offset)
    return rows, await conn.fetchval("SELECT count(*) FROM api_keys")


async def revoke_key(conn, key_id: int, revoked_by: str) -> tuple[asyncpg.Record | None, bool]:
    """(the key, whether this call revoked it); (None, False) when there is no such key."""
    row = await conn.fetchrow(
        f"UPDATE api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL "
        f"RETURNING {KEY_COLUMNS}", key_id, revoked_by)
    if row is not None:
        return row, True
    return await conn.fetchrow(f"SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1", key_id), False


# --- the audit log ---------------------------------------------------------------------

async def record_audit(conn, envelope: Envelope, target: str | None) -> bool:
    """One entry per event (a redelivered event is recorded once); False when it was already."""
    return await conn.fetchval(
        "INSERT INTO audit_log (event_id, at, actor, action, target, details, source, correlation_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING RETURNING true",
        envelope.id, envelope.time, envelope.principal, envelope.type, target, envelope.data, envelope.source,
        envelope.correlation_id) is True


async def audit_page(conn, limit: int, before: int | None, action: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, at, actor, action, target, details, source, correlation_id FROM audit_log "
        "WHERE ($2::bigint IS NULL OR id < $2) AND ($3::text IS NULL OR action = $3 OR action LIKE $3 || '.%') "
        "ORDER BY id DESC LIMIT $1", limit, before, action)


# --- retention -------------------------------------------------------------------------

async def delete_expired(conn, idle_seconds: int, audit_days: int, revoked_key_days: int) -> dict[str, int]:
    """Sessions that ended, audit entries and revoked keys past their retention."""
    def n(status: str) -> int:
        return int(status.split()[-1])

    sessions = await conn.execute(
        "DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - make_interval(secs => $1)",
        float(idle_seconds))
    audit = "DELETE 0"
    if audit_days > 0:
        audit = await conn.execute("DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)", audit_days)
    keys = await conn.execute("DELETE FROM api_keys WHERE revoked_at < now() - make_interval(days => $1)",
                              revoked_key_days)
    return {"sessions": n(sessions), "audit": n(audit), "revoked_keys": n(keys)}
