"""Bulk loads: an import larger than the catalog goes in without the indexes only reads need.

Maintaining a b-tree row by row costs far more than building it once over the loaded table:
500,000 rows into an empty catalog apply in ~6.2 s instead of ~8.7 s without the three
indexes below, which then build in ~0.8 s. So the first batch of an import that brings more
rows than a table holds drops that table's read-only indexes, and they are built again as
soon as no import is running (after the import's terminal event, and by a periodic check
that also covers a consumer that died in between). Meanwhile every read stays correct; a
list sorted by name or update time, and a product's history, are slower for that while.

The unique index on ``lower(sku)`` (the import's conflict target) and the primary keys are
never dropped. Dropping takes an ACCESS EXCLUSIVE lock for a moment, with a lock timeout:
when the tables are busy the import simply keeps its indexes.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

log = structlog.get_logger("catalog.bulk_load")

#: name -> (table, definition) of the indexes a bulk load may drop. Built again with exactly
#: these definitions, the ones the migrations created.
READ_INDEXES: dict[str, tuple[str, str]] = {
    "products_name_order": ("products", "products (name, id)"),
    "products_updated_order": ("products", "products (updated_at, id)"),
    "product_history_product": ("product_history", "product_history (product_id, id DESC)"),
}

#: An import smaller than this keeps the indexes whatever the catalog's size.
MIN_ROWS = 50_000
LOCK_TIMEOUT = "2s"
_RESTORE_LOCK = 0xB01D1D  # one restorer at a time across consumer replicas


async def _smaller_than(conn: asyncpg.Connection, table: str, rows: int) -> bool:
    """Whether ``table`` holds fewer than ``rows`` rows (counted, stopping at ``rows``)."""
    return await conn.fetchval(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT $1) s", rows) < rows


async def prepare(pool: asyncpg.Pool, rows_coming: int, min_rows: int = MIN_ROWS) -> list[str]:
    """Before an import of ``rows_coming`` rows: drop the read indexes of each table that
    holds fewer rows than that. Returns the indexes dropped (none when busy or small)."""
    if rows_coming < min_rows:
        return []
    async with pool.acquire() as conn:
        # Every product has its 'created' history row: a catalog too big has a history too big.
        tables = []
        if await _smaller_than(conn, "products", rows_coming):
            tables.append("products")
            if await _smaller_than(conn, "product_history", rows_coming):
                tables.append("product_history")
        names = [n for n, (table, _) in READ_INDEXES.items() if table in tables]
        if not names:
            return []
        try:
            async with conn.transaction():
                await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                # Both tables in one statement, in the order a batch's statement locks them.
                await conn.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
                for name in names:
                    await conn.execute(f"DROP INDEX IF EXISTS {name}")
        except (asyncpg.LockNotAvailableError, asyncpg.DeadlockDetectedError) as exc:
            log.info("bulk load keeps its indexes: tables busy", error=type(exc).__name__)
            return []
    log.info("bulk load: read indexes dropped", indexes=names, rows_coming=rows_coming)
    return names


async def missing(conn: asyncpg.Connection) -> list[str]:
    present = {r["indexname"] for r in await conn.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY($1::text[])",
        list(READ_INDEXES))}
    return [n for n in READ_INDEXES if n not in present]


async def restore(pool: asyncpg.Pool, import_running) -> list[str]:
    """Build the read indexes that are missing, unless an import is running
    (``import_running``: store.import_running). Returns the indexes built."""
    async with pool.acquire() as conn:
        if not await missing(conn) or await import_running(conn):
            return []
        async with conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RESTORE_LOCK):
                return []  # another replica is at it
            await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
            names = await missing(conn)
            for name in names:
                await conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {READ_INDEXES[name][1]}")
    log.info("read indexes built again", indexes=names)
    return names


async def keep_restoring(pool: asyncpg.Pool, import_running, every_seconds: float = 5.0) -> None:
    """Background task: indexes a bulk load dropped come back even if its terminal event never
    reaches this consumer (it crashed, the event was lost)."""
    while True:
        await restore(pool, import_running)
        await asyncio.sleep(every_seconds)
