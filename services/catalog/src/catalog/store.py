"""Every SQL statement on the catalog schema."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import orjson

from catalog import search
from pikit.events import BatchRow

SCHEMA = "catalog"

_BATCH_TABLE = """
CREATE TEMP TABLE IF NOT EXISTS batch_rows (
    row_no integer, sku text, name text, description text, price text, active boolean
) ON COMMIT DELETE ROWS
"""

# Columns a file may omit keep their stored value (or NULL for new products).
_KEEPABLE = ("description", "price")

_UPSERT = """
WITH input AS (
    SELECT row_no, sku, name, description, price::numeric AS price, active, lower(sku) AS key
    FROM batch_rows
),
old AS (
    -- LATERAL makes every lookup an index probe: a join lets the planner hash the
    -- whole products table for each batch, which grows with the catalog.
    SELECT o.* FROM input i CROSS JOIN LATERAL (
        SELECT p.id, lower(p.sku) AS key, p.sku, p.name, p.description, p.price, p.active
        FROM products p WHERE lower(p.sku) = i.key
        FOR UPDATE
    ) o
),
merged AS (
    SELECT i.key, i.row_no, i.sku, i.name,
           {description} AS description, {price} AS price,
           COALESCE(i.active, o.active, true) AS active, o.id IS NULL AS new,
           o.sku AS old_sku, o.name AS old_name, o.description AS old_description,
           o.price AS old_price, o.active AS old_active
    FROM input i LEFT JOIN old o USING (key)
),
-- SKUs not found above are inserted plainly: ON CONFLICT's speculative insertion cost ~10 %
-- of PostgreSQL's CPU on a load into an empty catalog. One committed meanwhile by another
-- transaction makes this a unique violation, and the batch is tried again (it is then found).
created AS (
    INSERT INTO products AS p (sku, name, description, price, active)
    SELECT sku, name, description, price, active FROM merged WHERE new
    RETURNING p.id, p.sku, lower(p.sku) AS key, true AS inserted
),
changed AS (
    INSERT INTO products AS p (sku, name, description, price, active)
    SELECT sku, name, description, price, active FROM merged WHERE NOT new
    ON CONFLICT (lower(sku)) DO UPDATE SET
        sku = EXCLUDED.sku, name = EXCLUDED.name, description = EXCLUDED.description,
        price = EXCLUDED.price, active = EXCLUDED.active, updated_at = now(), version = p.version + 1
    WHERE (p.sku, p.name, p.description, p.price, p.active)
          IS DISTINCT FROM (EXCLUDED.sku, EXCLUDED.name, EXCLUDED.description, EXCLUDED.price, EXCLUDED.active)
    RETURNING p.id, p.sku, lower(p.sku) AS key, (p.xmax = 0) AS inserted
),
up AS (SELECT * FROM created UNION ALL SELECT * FROM changed),
pending AS ({pending}),
history AS (
    INSERT INTO product_history (product_id, sku, action, changes, source, job_id, row_no, actor)
    SELECT u.id, u.sku,
           CASE WHEN u.inserted THEN 'created' ELSE 'updated' END,
           -- to_jsonb of a row: the same object as jsonb_build_object of its columns, ~20 % cheaper
           CASE WHEN u.inserted THEN jsonb_strip_nulls(to_jsonb(v))
           ELSE jsonb_strip_nulls(jsonb_build_object(
                    'sku', CASE WHEN m.sku IS DISTINCT FROM m.old_sku
                           THEN jsonb_build_object('old', m.old_sku, 'new', m.sku) END,
                    'name', CASE WHEN m.name IS DISTINCT FROM m.old_name
                           THEN jsonb_build_object('old', m.old_name, 'new', m.name) END,
                    'description', CASE WHEN m.description IS DISTINCT FROM m.old_description
                           THEN jsonb_build_object('old', m.old_description, 'new', m.description) END,
                    'price', CASE WHEN m.price IS DISTINCT FROM m.old_price
                           THEN jsonb_build_object('old', m.old_price, 'new', m.price) END,
                    'active', CASE WHEN m.active IS DISTINCT FROM m.old_active
                           THEN jsonb_build_object('old', m.old_active, 'new', m.active) END))
           END,
           'import', $1::uuid, m.row_no, $2::text
    FROM up u JOIN merged m USING (key)
    CROSS JOIN LATERAL (SELECT m.sku, m.name, m.description, m.price, m.active) v
)
-- Four arrays in one row: building a record per product was ~0.3 s of the consumer's CPU per 500k.
SELECT coalesce(array_agg(id) FILTER (WHERE inserted), '{{}}') AS created_ids,
       coalesce(array_agg(sku) FILTER (WHERE inserted), '{{}}') AS created_skus,
       coalesce(array_agg(id) FILTER (WHERE NOT inserted), '{{}}') AS changed_ids,
       coalesce(array_agg(sku) FILTER (WHERE NOT inserted), '{{}}') AS changed_skus
FROM up
"""


def _upsert_sql(columns: set[str]) -> str:
    exprs = {c: (f"i.{c}" if c in columns else f"o.{c}") for c in _KEEPABLE}
    return _UPSERT.format(**exprs, pending=search.mark_pending_sql("up"))


_UPSERT_SQL = {frozenset(k): _upsert_sql(set(k)) for k in
               [(), ("description",), ("price",), ("description", "price")]}


@dataclass
class BatchResult:
    rows: int
    created_ids: list[int]
    created_skus: list[str]
    changed_ids: list[int]  # updated with at least one value different
    changed_skus: list[str]

    @property
    def inserted(self) -> int:
        return len(self.created_ids)

    @property
    def updated(self) -> int:
        return self.rows - self.inserted

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - len(self.changed_ids)


async def claim_batch(conn: asyncpg.Connection, job_id: str, batch_no: int) -> bool:
    """Take the batch's marker; False if it was applied before (a redelivery)."""
    return await conn.fetchval(
        "INSERT INTO applied_batches (job_id, batch_no, rows, inserted, updated) VALUES ($1, $2, 0, 0, 0) "
        "ON CONFLICT DO NOTHING RETURNING true",
        job_id, batch_no,
    ) is True


#: An import whose last batch was applied longer ago than this is not running any more
#: (its terminal event may have been lost).
IMPORT_ALIVE_SECONDS = 30


async def import_batches_started(conn: asyncpg.Connection, job_id: str) -> None:
    """The job applies batches from now on (outside the batch's transaction: no lock is held long)."""
    await conn.execute("INSERT INTO imports_running (job_id) VALUES ($1) ON CONFLICT DO NOTHING", job_id)


async def import_ended(conn: asyncpg.Connection, job_id: str) -> None:
    await conn.execute("DELETE FROM imports_running WHERE job_id = $1", job_id)


async def import_running(conn: asyncpg.Connection) -> bool:
    """Whether batches of some import are being applied (or its first is about to commit)."""
    return await conn.fetchval("""
        SELECT EXISTS (SELECT 1 FROM imports_running r
                       WHERE r.started_at > now() - make_interval(secs => $1) OR EXISTS (
            SELECT 1 FROM applied_batches b
            WHERE b.job_id = r.job_id AND b.applied_at > now() - make_interval(secs => $1)))""",
        IMPORT_ALIVE_SECONDS)


async def is_cancelled(conn: asyncpg.Connection, job_id: str) -> bool:
    return await conn.fetchval("SELECT true FROM cancelled_jobs WHERE job_id = $1", job_id) is True


async def mark_cancelled(conn: asyncpg.Connection, job_id: str) -> None:
    await conn.execute("INSERT INTO cancelled_jobs (job_id) VALUES ($1) ON CONFLICT DO NOTHING", job_id)


async def apply_rows(conn: asyncpg.Connection, job_id: str, columns: list[str], rows: list[BatchRow],
                     actor: str | None = None) -> BatchResult:
    """COPY the rows into a temporary table and merge them into products with their history."""
    await conn.execute(_BATCH_TABLE)
    await conn.copy_records_to_table(
        "batch_rows", records=rows, columns=["row_no", "sku", "name", "description", "price", "active"]
    )
    present = frozenset(c for c in columns if c in _KEEPABLE)
    return BatchResult(rows=len(rows), **dict(await conn.fetchrow(_UPSERT_SQL[present], job_id, actor)))


async def record_batch(conn: asyncpg.Connection, job_id: str, batch_no: int, result: BatchResult | None) -> None:
    if result is None:
        await conn.execute("UPDATE applied_batches SET skipped = true WHERE job_id = $1 AND batch_no = $2",
                           job_id, batch_no)
        return
    await conn.execute(
        "UPDATE applied_batches SET rows = $3, inserted = $4, updated = $5 WHERE job_id = $1 AND batch_no = $2",
        job_id, batch_no, result.rows, result.inserted, result.updated,
    )


# --------------------------------------------------------------------------- the REST API

PRODUCT_COLUMNS = "id, sku, name, description, price, active, created_at, updated_at, version"

# History rows of API changes have the same shape as the import's (see _UPSERT).
_VALUES_JSON = ("jsonb_strip_nulls(jsonb_build_object('sku', {p}sku, 'name', {p}name, "
                "'description', {p}description, 'price', {p}price, 'active', {p}active))")
_CHANGES_JSON = "jsonb_strip_nulls(jsonb_build_object(" + ", ".join(
    f"'{f}', CASE WHEN n.{f} IS DISTINCT FROM o.{f} THEN jsonb_build_object('old', o.{f}, 'new', n.{f}) END"
    for f in ("sku", "name", "description", "price", "active")) + "))"

#: Above this many matches, a list's total is an estimate (see docs/catalog-api.md).
EXACT_TOTAL_LIMIT = 10_000


async def get_product(conn, product_id: int, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1{lock}", product_id)


async def sku_owner(conn, sku: str) -> int | None:
    return await conn.fetchval("SELECT id FROM products WHERE lower(sku) = lower($1)", sku)


async def insert_product(conn, sku: str, name: str, description: str | None, price, active: bool,
                         actor: str | None) -> asyncpg.Record:
    """Insert with its 'created' history row; UniqueViolationError when the SKU exists in any case."""
    return await conn.fetchrow(f"""
        WITH p AS (
            INSERT INTO products (sku, name, description, price, active) VALUES ($1, $2, $3, $4, $5)
            RETURNING {PRODUCT_COLUMNS}
        ), h AS (
            INSERT INTO product_history (product_id, sku, action, changes, source, actor)
            SELECT id, sku, 'created', {_VALUES_JSON.format(p='')}, 'api', $6 FROM p
        )
        SELECT * FROM p""", sku, name, description, price, active, actor)


async def update_product(conn, product_id: int, values: dict, actor: str | None) -> asyncpg.Record:
    """Write every field of ``values`` (the row is locked by the caller) with an 'updated' history row."""
    return await conn.fetchrow(f"""
        WITH o AS (SELECT sku, name, description, price, active FROM products WHERE id = $1),
        n AS (
            UPDATE products SET sku = $2, name = $3, description = $4, price = $5, active = $6,
                                updated_at = now(), version = version + 1
            WHERE id = $1 RETURNING {PRODUCT_COLUMNS}
        ), h AS (
            INSERT INTO product_history (product_id, sku, action, changes, source, actor)
            SELECT n.id, n.sku, 'updated', {_CHANGES_JSON}, 'api', $7 FROM n, o
        )
        SELECT * FROM n""", product_id, values["sku"], values["name"], values["description"], values["price"],
        values["active"], actor)


async def delete_product(conn, product_id: int, actor: str | None) -> asyncpg.Record | None:
    return await conn.fetchrow(f"""
        WITH d AS (DELETE FROM products WHERE id = $1 RETURNING {PRODUCT_COLUMNS}),
        h AS (
            INSERT INTO product_history (product_id, sku, action, changes, source, actor)
            SELECT id, sku, 'deleted', {_VALUES_JSON.format(p='')}, 'api', $2 FROM d
        )
        SELECT * FROM d""", product_id, actor)


async def delete_all_products(conn, actor: str | None) -> int:
    """Delete every product, in the caller's transaction; returns how many there were.

    ``LOCK ... EXCLUSIVE`` conflicts with the row locks a batch apply takes, so a batch in
    flight commits first (and is deleted too) and a later one waits for this transaction
    (and survives). Reads go on until TRUNCATE, which holds the table for a moment.
    """
    await conn.execute("LOCK TABLE products IN EXCLUSIVE MODE")
    count = await conn.fetchval("SELECT count(*) FROM products")
    await conn.execute("""
        INSERT INTO product_history (product_id, sku, action, changes, source, actor)
        SELECT id, sku, 'deleted', '{"bulk_delete": true}'::jsonb, 'api', $1 FROM products""", actor)
    await conn.execute("TRUNCATE products")
    return count


async def list_products(conn, where: str, args: list, order: str, limit: int, offset: int) -> list[asyncpg.Record]:
    """One page; the ids are found first (an index-only walk for deep offsets), then their rows."""
    n = len(args)
    return await conn.fetch(f"""
        SELECT {PRODUCT_COLUMNS} FROM products WHERE id IN (
            SELECT id FROM products WHERE {where} ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2})
        ORDER BY {order}""", *args, limit, offset)


async def search_page(conn, where: str, args: list, order: str, limit: int, offset: int, *,
                      matches: str | None = None) -> tuple[list[asyncpg.Record], int] | None:
    """A page and the exact total in one pass, for searches matching at most EXACT_TOTAL_LIMIT
    products (a search reads all its matches to sort them anyway); None when there are more.
    Rows carry ``total``; an empty page (offset past the end) counts separately.

    ``matches``: SQL selecting the matching ids (``where`` and ``args`` then belong to it),
    for an ``order`` by id only."""
    n = len(args)
    # The matches carry every sort key, so that only the page's rows are read again.
    source = f"SELECT id FROM ({matches}) s" if matches else f"SELECT id, sku, name, updated_at FROM products WHERE {where}"
    rows = await conn.fetch(f"""
        WITH m AS MATERIALIZED ({source} LIMIT {EXACT_TOTAL_LIMIT + 1})
        SELECT {PRODUCT_COLUMNS}, (SELECT count(*) FROM m) AS total FROM products
        WHERE id IN (SELECT id FROM m ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}) ORDER BY {order}""",
        *args, limit, offset)
    if rows:
        total = rows[0]["total"]
    elif matches:
        total = await conn.fetchval(f"SELECT count(*) FROM ({matches} LIMIT {EXACT_TOTAL_LIMIT + 1}) s", *args)
    else:
        total = await count_up_to_limit(conn, where, args)
    return None if total > EXACT_TOTAL_LIMIT else (rows, total)


async def note_writes(pool_or_conn) -> None:
    """After a write to products has committed: cached page boundaries are stale (catalog.pages)."""
    await pool_or_conn.execute("SELECT nextval('products_writes')")


async def write_generation(conn) -> int:
    return await conn.fetchval("SELECT last_value + (CASE WHEN is_called THEN 1 ELSE 0 END) FROM products_writes")


async def page_boundaries(conn, where: str, args: list, sort_key: str, order: str, stride: int) -> list[asyncpg.Record]:
    """(k = sort key, id) of every ``stride``-th matching row in ``order``, read in one pass."""
    return await conn.fetch(f"""
        SELECT k, id FROM (
            SELECT {sort_key} AS k, id, row_number() OVER (ORDER BY {order}) AS n FROM products WHERE {where}
        ) s WHERE n % {int(stride)} = 0 ORDER BY n""", *args)


async def count_products(conn, where: str, args: list, filtered: bool, *,
                         trust_estimate: bool = False) -> tuple[int, bool]:
    """(total, is_estimate): exact up to EXACT_TOTAL_LIMIT matches, else the planner's estimate.

    The whole catalog is counted from table statistics. With ``trust_estimate`` (filters
    the planner estimates well, such as ``active``), a filter expected to match far more
    than the limit is not counted at all: counting 10,001 rows costs more than the page.
    """
    if not filtered:
        estimate = await table_rows(conn)
        if estimate > 2 * EXACT_TOTAL_LIMIT:
            return estimate, True
    else:
        estimate = await planner_estimate(conn, where, args)
        if trust_estimate and estimate > 5 * EXACT_TOTAL_LIMIT:
            return estimate, True
    counted = await count_up_to_limit(conn, where, args)
    if counted <= EXACT_TOTAL_LIMIT:
        return counted, False
    return max(estimate or await table_rows(conn), counted), True


async def table_rows(conn) -> int:
    """The products table's row count from its statistics (ANALYZE/autovacuum), without reading it."""
    return await conn.fetchval("SELECT reltuples::bigint FROM pg_class WHERE oid = 'products'::regclass")


async def count_up_to_limit(conn, where: str, args: list) -> int:
    """Matches counted, stopping at EXACT_TOTAL_LIMIT + 1."""
    return await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM products WHERE {where} LIMIT {EXACT_TOTAL_LIMIT + 1}) s", *args)


async def planner_estimate(conn, where: str, args: list) -> int:
    plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM products WHERE {where}", *args)
    if isinstance(plan, str):  # a connection without the pool's json codec
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


async def tidy_after_import(pool) -> None:
    """Fresh statistics and visibility map after a bulk load: deep pages become index-only
    walks and the planner knows the table's size (autovacuum would get there, later)."""
    async with pool.acquire() as conn:
        await conn.execute("VACUUM (ANALYZE) products")


async def export_cursor(conn, where: str, args: list, order: str):
    """Every matching product, streamed through a server-side cursor (caller holds a transaction)."""
    async for row in conn.cursor(
            f"SELECT sku, name, description, price, active FROM products WHERE {where} ORDER BY {order}",
            *args, prefetch=2000):
        yield row


async def history(conn, product_id: int, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, product_id, sku, action, changes, source, job_id::text AS job_id, row_no, actor, at "
        "FROM product_history WHERE product_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        product_id, limit, offset)
