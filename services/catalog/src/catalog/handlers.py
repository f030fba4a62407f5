"""One handler per message type the catalog consumes."""

from __future__ import annotations

import asyncpg
import stamina
import structlog

from catalog import bulk_load, domain, search, store
from catalog.pages import PageBoundaries
from pikit import outbox
from pikit.app import ApiError
from pikit.events import (Envelope, ImportBatchDone, ImportCancelled, ImportCompleted, ImportFailed, Product, ProductCreated,
                          ProductDeleted,
                          ProductRefs, ProductsBulkDeleted, ProductUpdated, UpsertBatch, new_event)

log = structlog.get_logger("catalog.handlers")

SOURCE = "catalog"


class CatalogHandlers:
    def __init__(self, pool: asyncpg.Pool, bulk_load_min_rows: int = bulk_load.MIN_ROWS):
        self.pool = pool
        self.bulk_load_min_rows = bulk_load_min_rows

    def routes(self) -> dict:
        return {"catalog.upsert_batch": self.upsert_batch}

    def job_routes(self) -> dict:
        return {"import.cancelled": self.import_cancelled, "import.completed": self.import_completed,
                "import.failed": self.import_failed}

    # Two imports touching the same SKUs at once can deadlock (PostgreSQL picks a victim), or
    # both insert a new SKU (store._UPSERT: the second gets a unique violation); trying that
    # batch again a moment later succeeds.
    @stamina.retry(on=(asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError),
                   attempts=5, wait_initial=0.05)
    async def upsert_batch(self, envelope: Envelope, cmd: UpsertBatch) -> None:
        async with self.pool.acquire() as conn:
            await store.import_batches_started(conn, cmd.job_id)
        if cmd.batch_no == 0 and cmd.rows_to_import:
            await bulk_load.prepare(self.pool, cmd.rows_to_import, self.bulk_load_min_rows)
        async with self.pool.acquire() as conn, conn.transaction():
            if not await store.claim_batch(conn, cmd.job_id, cmd.batch_no):
                log.info("batch already applied", batch_no=cmd.batch_no)
                return
            if await store.is_cancelled(conn, cmd.job_id):
                await store.record_batch(conn, cmd.job_id, cmd.batch_no, None)
                done = ImportBatchDone(job_id=cmd.job_id, batch_no=cmd.batch_no, rows=0, inserted=0, updated=0,
                                       skipped=True)
            else:
                result = await store.apply_rows(conn, cmd.job_id, cmd.columns, cmd.rows, envelope.principal)
                await store.record_batch(conn, cmd.job_id, cmd.batch_no, result)
                done = ImportBatchDone(
                    job_id=cmd.job_id, batch_no=cmd.batch_no, rows=result.rows,
                    inserted=result.inserted, updated=result.updated, unchanged=result.unchanged,
                    created=ProductRefs(ids=result.created_ids, skus=result.created_skus),
                    changed=ProductRefs(ids=result.changed_ids, skus=result.changed_skus),
                )
            await outbox.enqueue(conn, store.SCHEMA, new_event(done, source=SOURCE,
                                                              correlation_id=envelope.correlation_id))
        if done.inserted or done.changed.ids:
            await store.note_writes(self.pool)

    async def import_completed(self, envelope: Envelope, event: ImportCompleted) -> None:
        async with self.pool.acquire() as conn:
            await store.import_ended(conn, event.job_id)
        await bulk_load.restore(self.pool, store.import_running)
        if event.inserted + event.updated:
            await store.tidy_after_import(self.pool)

    async def import_failed(self, envelope: Envelope, event: ImportFailed) -> None:
        async with self.pool.acquire() as conn:
            await store.import_ended(conn, event.job_id)
        await bulk_load.restore(self.pool, store.import_running)

    async def import_cancelled(self, envelope: Envelope, event: ImportCancelled) -> None:
        async with self.pool.acquire() as conn:
            await store.mark_cancelled(conn, event.job_id)
            await store.import_ended(conn, event.job_id)
        await bulk_load.restore(self.pool, store.import_running)


# --------------------------------------------------------------------------- the REST API
#
# Each change commits together with its history row (written by the store's statement)
# and its event (the outbox row), so every change is announced exactly once.


def not_found(product_id: int) -> ApiError:
    return ApiError(404, "not_found", f"No product {product_id}.")


def _sku_exists(sku: str, owner: int | None) -> ApiError:
    return ApiError(409, "sku_exists", f"A product with SKU {sku!r} exists already (in some letter case).",
                    product_id=owner)


def _event_product(row) -> Product:
    return Product(**domain.view(row))


async def _emit(conn, body, product_id: int | None, correlation_id: str | None) -> None:
    subject = None if product_id is None else str(product_id)
    await outbox.enqueue(conn, store.SCHEMA, new_event(body, source=SOURCE, subject=subject,
                                                       correlation_id=correlation_id))


async def list_products(pool: asyncpg.Pool, filters: domain.Filters, sort: str, order: str, limit: int,
                        offset: int, cursor: str | None, boundaries: PageBoundaries | None = None) -> dict:
    args: list = []
    where = domain.where_clause(filters, args)
    count_args = list(args)
    count_where = where
    order_sql = domain.order_by(sort, order)
    async with pool.acquire() as conn:
        found, many = None, False
        if filters.text and cursor is None:  # a search: page and exact total in one pass when few match
            exact_args: list = []
            matches = domain.exact_search_ids(filters, exact_args) if sort == "created_at" else None
            if matches:
                found = await store.search_page(conn, "", exact_args, order_sql, limit + 1, offset, matches=matches)
            else:
                found = await store.search_page(conn, where, count_args, order_sql, limit + 1, offset)
            many = found is None
        if found is not None:
            rows, total = found
            more, estimate = len(rows) > limit, False
        else:
            page_where, skip = where, offset
            if cursor is not None:
                value, last_id = domain.decode_cursor(cursor, sort, order)
                page_where = f"{where} AND {domain.keyset_clause(sort, order, value, last_id, args)}"
                skip = 0
            elif boundaries is not None and (start := await boundaries.start(
                    conn, where, args, domain.SORT_KEY[sort], order_sql, offset)) is not None:
                value, last_id, position = start
                page_where = f"{where} AND {domain.keyset_clause(sort, order, value, last_id, args)}"
                skip = offset - position
            rows = await store.list_products(conn, page_where, args, order_sql, limit + 1, skip)
            more = len(rows) > limit
            if cursor is None and not more and (rows or offset == 0):
                total, estimate = offset + len(rows), False  # the last page tells the total: no count needed
            elif many:  # search_page saw more than EXACT_TOTAL_LIMIT already: no second count
                estimate = await store.planner_estimate(conn, count_where, count_args)
                total, estimate = max(estimate, store.EXACT_TOTAL_LIMIT + 1), True
            else:
                total, estimate = await store.count_products(conn, count_where, count_args, filters.any,
                                                             trust_estimate=not filters.text)
    rows = rows[:limit]
    next_cursor = domain.encode_cursor(sort, order, rows[-1], domain.sort_value(rows[-1], sort)) if more else None
    return {"items": [domain.view(r) for r in rows], "total": total, "total_is_estimate": estimate,
            "limit": limit, "next_cursor": next_cursor}


async def create(pool: asyncpg.Pool, body: domain.ProductIn, actor: str, correlation_id: str | None) -> asyncpg.Record:
    try:
        async with pool.acquire() as conn, conn.transaction():
            row = await store.insert_product(conn, body.sku, body.name, body.description, body.price, body.active,
                                             actor)
            await search.mark_pending(conn, [row["id"]])
            await _emit(conn, ProductCreated(product=_event_product(row)), row["id"], correlation_id)
    except asyncpg.UniqueViolationError:
        raise _sku_exists(body.sku, await store.sku_owner(pool, body.sku)) from None
    await store.note_writes(pool)
    return row


async def _lock_current(conn, product_id: int, versions: set[int] | None) -> asyncpg.Record:
    """The product, locked for this transaction; 404 if gone, 412 if If-Match named another version."""
    old = await store.get_product(conn, product_id, for_update=True)
    if old is None:
        raise not_found(product_id)
    if versions is not None and old["version"] not in versions:
        raise ApiError(412, "version_mismatch",
                       f"The product changed since you read it (current version {old['version']}).",
                       current_etag=domain.etag(old["version"]))
    return old


async def update(pool: asyncpg.Pool, product_id: int, patch: domain.ProductPatch, versions: set[int] | None,
                 actor: str, correlation_id: str | None) -> asyncpg.Record:
    try:
        async with pool.acquire() as conn, conn.transaction():
            old = await _lock_current(conn, product_id, versions)
            values = {f: old[f] for f in domain.FIELDS} | patch.changes()
            if not domain.diff(old, values):
                return old  # nothing changes: no new version, no history, no event
            row = await store.update_product(conn, product_id, values, actor)
            await search.mark_pending(conn, [product_id])
            await _emit(conn, ProductUpdated(product=_event_product(row), changes=domain.diff(old, row)),
                        product_id, correlation_id)
    except asyncpg.UniqueViolationError:
        raise _sku_exists(patch.sku, await store.sku_owner(pool, patch.sku)) from None
    await store.note_writes(pool)
    return row


async def delete(pool: asyncpg.Pool, product_id: int, versions: set[int] | None, actor: str,
                 correlation_id: str | None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await _lock_current(conn, product_id, versions)
        row = await store.delete_product(conn, product_id, actor)
        await search.mark_pending(conn, [product_id])  # the indexer drops its document
        await _emit(conn, ProductDeleted(product=_event_product(row)), product_id, correlation_id)
    await store.note_writes(pool)


async def delete_all(pool: asyncpg.Pool, actor: str, correlation_id: str | None) -> int:
    async with pool.acquire() as conn, conn.transaction():
        count = await store.delete_all_products(conn, actor)
        await search.clear(conn)
        await _emit(conn, ProductsBulkDeleted(count=count), None, correlation_id)
    await store.note_writes(pool)
    return count
