"""asyncpg pools and the migration runner.

Each service owns one PostgreSQL schema; its pool sets ``search_path`` to it so the
service's SQL names its own tables plainly. Migrations are ``NNNN_name.sql`` files,
applied in order under an advisory lock, so replicas starting together are safe.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import orjson
import structlog

log = structlog.get_logger("pikit.db")


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind, encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads, schema="pg_catalog"
        )


async def ensure_database(dsn: str) -> None:
    """Create the database named in ``dsn`` when it does not exist yet (local runs, tests)."""
    try:
        conn = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        parts = urlsplit(dsn)
        name = parts.path.lstrip("/")
        admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            pass  # another process won the race (PostgreSQL reports either, depending on timing)
        finally:
            await admin.close()
    else:
        await conn.close()


async def create_pool(dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10,
                      server_settings: dict[str, str] | None = None) -> asyncpg.Pool:
    await ensure_database(dsn)
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset_connection,
        # JIT compiles for ~1 s on statements whose estimates look big (temp tables have no
        # statistics); our statements are short, so it only ever costs.
        server_settings={"search_path": f"{schema},public", "application_name": schema, "jit": "off",
                         **(server_settings or {})},
    )


async def _reset_connection(conn: asyncpg.Connection) -> None:
    """On release to the pool: only end a transaction left open.

    asyncpg's default reset sends ``RESET ALL; UNLISTEN *; pg_advisory_unlock_all() ...``, a
    round trip on every release (measured at ~8 % of the webhook dispatcher's time). Nothing
    here changes session state that outlives its use: settings are ``SET LOCAL``, listeners and
    advisory locks are removed by the code that took them.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _sql_files(directory: Path | resources.abc.Traversable) -> list[tuple[str, str]]:
    files = sorted((p for p in directory.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    return [(p.name, p.read_text()) for p in files]


async def migrate(pool: asyncpg.Pool, schema: str, directory: Path) -> list[str]:
    """Apply the kit's own tables (outbox, inbox) then the service's files; returns what ran."""
    kit = [(f"pikit_{name}", sql) for name, sql in _sql_files(resources.files("pikit") / "migrations")]
    applied = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"migrate:{schema}")
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations '
                "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')}
            for name, sql in kit + _sql_files(directory):
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                    await conn.execute(sql)
                    await conn.execute(f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', name)
                applied.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"migrate:{schema}")
    if applied:
        log.info("migrated", schema=schema, applied=applied)
    return applied
