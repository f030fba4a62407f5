"""The text-search index: its two tables, the clause searches use, and the indexer that keeps it fresh.

Contains-search (``sku``, ``name``, ``description``, ``q``) needs a trigram index over the
product's text. Maintaining one inside the import's batch transactions made importing
3-4x slower, so the index lives in its own table, ``product_search (product_id, label,
description)`` with a trigram index on each text column, and is brought up to date *after*
the writes, off the import's path:

- every write to ``products`` (import batch, API create/update/delete) adds a row to
  ``search_pending`` with the ids it wrote, in the same transaction;
- the indexer (in the catalog consumer) takes pending ids and rewrites their documents,
  a few thousand at a time, or rebuilds the whole table in bulk when most of the catalog is
  pending (after a big import into an empty catalog); it waits while import batches are
  being applied, so that it does not compete with them;
- a search looks for candidates in the index *and* among the pending ids, then checks the
  product's own columns. Results are therefore always exact; only their speed depends on
  the indexer having caught up.

Invariant: a product is either in ``search_pending`` or its document (label and description)
is current. Every
write adds a row of its own (never shares one), and the indexer deletes only rows that were
committed before it reads the products (the delete is the statement before the read, in
READ COMMITTED): a write committed later keeps its own row, so its product stays pending.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable

import asyncpg
import structlog

log = structlog.get_logger("catalog.search")

# The searchable text of a product, lower-cased like the patterns that search it. sku and
# name share one column (short text); the descriptions, whose common words fill long posting
# lists, have their own, so that a search for a name does not read them.
LABEL_SEPARATOR = "\x1f"  # a control character: SKUs cannot hold one
LABEL = "lower(concat_ws(E'\\x1f', p.sku, p.name))"
DESCRIPTION = "lower(p.description)"

# The rebuild writes the documents in name order. Products whose names share words then lie
# together, so a search's matches are a few runs of neighbouring rows: the trigram index's
# lists of them compress into few pages and the rows it rechecks share heap pages. At 500,000
# products a two-word search of names took 1.0-2.1 ms instead of 2.1-5.7 ms (in id order).
NAME_ORDER = 'lower(p.name) COLLATE "C", p.id'

#: Ids refreshed per transaction by the incremental path.
CHUNK = 5_000
#: A big catch-up waits for running imports, but not longer than this (imports one after
#: another all day must not leave search slow all day).
MAX_WAIT_SECONDS = 120.0

_INDEXER_LOCK = 0x5EA4C4  # one indexer at a time across consumer replicas


_QUEUE = "INSERT INTO search_pending (product_ids)"  # one row per write (see the invariant)


def mark_pending_sql(written: str) -> str:
    """``mark_pending`` as a data-modifying CTE of the writing statement itself, for the ids in the
    CTE ``written``: an import batch would otherwise send back the 5,000 ids it just got (~15 %
    of the catalog consumer's CPU per batch)."""
    return f"{_QUEUE} SELECT array_agg(id) FROM {written} HAVING count(*) > 0"


async def mark_pending(conn: asyncpg.Connection, product_ids: Iterable[int]) -> None:
    """Queue products whose text may have changed (or which were deleted); in the writer's transaction."""
    ids = list(product_ids)
    if ids:
        await conn.execute(f"{_QUEUE} VALUES ($1::bigint[])", ids)


async def clear(conn: asyncpg.Connection) -> None:
    """Forget every document (bulk delete of the catalog, in its transaction)."""
    await conn.execute("TRUNCATE product_search, search_pending")


def candidates_clause(conditions: list[str]) -> str:
    """``id IN (...)``: products whose document meets every condition, plus the pending ones.

    ``conditions`` are SQL on ``product_search``'s ``label`` and ``description``; the caller
    still checks the products' own columns.
    """
    return (f"id IN (SELECT product_id FROM product_search WHERE {' AND '.join(conditions)} "
            f"UNION ALL SELECT unnest(product_ids) FROM search_pending)")


def exact_matches(on_document: str, on_columns: str) -> str:
    """``SELECT id ...``: the products whose current document meets ``on_document`` (both of
    its columns lower-cased text), and the pending ones whose own columns meet
    ``on_columns``; exact when the two conditions say the same (see the invariant). The
    pending ids are looked up by the primary key as an array, whatever their number: as a
    join, the planner's guess of their number (the table is small or huge) once chose to
    read every product."""
    pending = "SELECT unnest(product_ids) FROM search_pending"
    return (f"SELECT product_id AS id FROM product_search WHERE {on_document} AND product_id NOT IN ({pending}) "
            f"UNION ALL SELECT id FROM products WHERE id = ANY (ARRAY({pending})) AND {on_columns}")


async def pending_count(conn: asyncpg.Connection) -> int:
    return await conn.fetchval("SELECT coalesce(sum(cardinality(product_ids)), 0) FROM search_pending")


async def _take_pending(conn: asyncpg.Connection, limit: int | None) -> list[int]:
    """Delete pending rows (the oldest, about ``limit`` ids' worth; None: all) and return their ids.
    Must run before the products are read, in the same transaction (see the invariant)."""
    rows = await conn.fetch("SELECT id, cardinality(product_ids) AS n FROM search_pending ORDER BY id "
                            "LIMIT 10000 FOR UPDATE SKIP LOCKED")
    chosen, total = [], 0
    for row in rows:
        if limit is not None and chosen and total + row["n"] > limit:
            break
        chosen.append(row["id"])
        total += row["n"]
    if not chosen:
        return []
    taken = await conn.fetch("DELETE FROM search_pending WHERE id = ANY($1::bigint[]) RETURNING product_ids", chosen)
    return sorted({i for r in taken for i in r["product_ids"]})


async def refresh_chunk(conn: asyncpg.Connection, limit: int = CHUNK) -> int:
    """Rewrite the documents of up to ``limit`` pending products; returns how many were taken."""
    async with conn.transaction():
        ids = await _take_pending(conn, limit)
        if not ids:
            return 0
        await conn.execute(f"""
            INSERT INTO product_search (product_id, label, description)
            SELECT p.id, {LABEL}, {DESCRIPTION} FROM products p WHERE p.id = ANY($1::bigint[])
            ON CONFLICT (product_id) DO UPDATE SET label = EXCLUDED.label, description = EXCLUDED.description""",
            ids)
        await conn.execute(
            "DELETE FROM product_search s WHERE s.product_id = ANY($1::bigint[]) "
            "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id = s.product_id)", ids)
    return len(ids)


async def rebuild(conn: asyncpg.Connection) -> int:
    """Build the whole index again in bulk and swap it in; returns the documents written.

    ``CREATE INDEX`` over a filled table costs about half of inserting the same rows into
    an indexed one. Searches keep using the old table until the swap commits.
    """
    async with conn.transaction():
        await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Taken before the products are read: see the invariant above.
        while await _take_pending(conn, None):
            pass
        await conn.execute("DROP TABLE IF EXISTS product_search_next")
        await conn.execute("CREATE TABLE product_search_next "
                           "(product_id bigint NOT NULL, label text NOT NULL, description text)")
        written = await conn.fetchval(f"""
            WITH w AS (INSERT INTO product_search_next SELECT p.id, {LABEL}, {DESCRIPTION} FROM products p
                       ORDER BY {NAME_ORDER} RETURNING 1)
            SELECT count(*) FROM w""")
        await conn.execute("ALTER TABLE product_search_next ADD CONSTRAINT product_search_next_pkey "
                           "PRIMARY KEY (product_id)")
        for column in ("label", "description"):
            await conn.execute(f"CREATE INDEX product_search_next_{column}_trgm ON product_search_next "
                               f"USING gin ({column} public.gin_trgm_ops)")
        await conn.execute("DROP TABLE product_search")
        await conn.execute("ALTER TABLE product_search_next RENAME TO product_search")
        await conn.execute("ALTER TABLE product_search RENAME CONSTRAINT product_search_next_pkey "
                           "TO product_search_pkey")
        for column in ("label", "description"):
            await conn.execute(f"ALTER INDEX product_search_next_{column}_trgm RENAME TO product_search_{column}_trgm")
    await conn.execute("ANALYZE product_search")
    return written


class SearchIndexer:
    """Keeps ``product_search`` caught up with ``products`` (a background task of the consumer)."""

    def __init__(self, pool: asyncpg.Pool, import_running: Callable[[asyncpg.Connection], Awaitable[bool]],
                 poll_seconds: float = 1.0):
        self.pool = pool
        self.import_running = import_running  # store.import_running
        self.poll_seconds = poll_seconds
        self._waiting_since: float | None = None

    async def _should_wait(self, conn: asyncpg.Connection) -> bool:
        if not await self.import_running(conn):
            self._waiting_since = None
            return False
        self._waiting_since = self._waiting_since or time.monotonic()
        return time.monotonic() - self._waiting_since < MAX_WAIT_SECONDS

    async def run(self) -> None:
        while True:
            await self.catch_up()
            await asyncio.sleep(self.poll_seconds)

    async def catch_up(self, *, wait_for_imports: bool = True) -> int:
        """Index what is pending; returns how many products were indexed (0 when it had to wait)."""
        async with self.pool.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _INDEXER_LOCK):
                return 0  # another replica's indexer is at it
            try:
                return await self._catch_up(conn, wait_for_imports)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _INDEXER_LOCK)

    async def _catch_up(self, conn: asyncpg.Connection, wait_for_imports: bool) -> int:
        pending = await pending_count(conn)
        if pending == 0:
            return 0
        started = time.perf_counter()
        if pending > CHUNK:
            # A big catch-up waits for the import that caused it to finish.
            if wait_for_imports and await self._should_wait(conn):
                return 0
            products = await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE oid = 'products'::regclass")
            if pending * 2 > max(products, 0):
                written = await rebuild(conn)
                log.info("search index rebuilt", documents=written, pending=pending,
                         seconds=round(time.perf_counter() - started, 2))
                return pending
        done = 0
        while n := await refresh_chunk(conn):
            done += n
            if wait_for_imports and done >= CHUNK and await self._should_wait(conn):
                break
        if done > CHUNK:
            log.info("search index caught up", documents=done, seconds=round(time.perf_counter() - started, 2))
        return done
