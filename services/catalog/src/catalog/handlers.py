"""One handler per message type the catalog consumes."""

from __future__ import annotations

import asyncpg
import stamina
import structlog

from catalog import store
from pikit import outbox
from pikit.events import (Envelope, ImportBatchDone, ImportCancelled, ProductRefs, UpsertBatch, new_event)

log = structlog.get_logger("catalog.handlers")

SOURCE = "catalog"


class CatalogHandlers:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    def routes(self) -> dict:
        return {"catalog.upsert_batch": self.upsert_batch}

    def cancellation_routes(self) -> dict:
        return {"import.cancelled": self.import_cancelled}

    # Two imports touching the same SKUs at once can deadlock; PostgreSQL picks a victim,
    # and trying that batch again a moment later succeeds.
    @stamina.retry(on=(asyncpg.DeadlockDetectedError, asyncpg.SerializationError), attempts=5, wait_initial=0.05)
    async def upsert_batch(self, envelope: Envelope, cmd: UpsertBatch) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            if not await store.claim_batch(conn, cmd.job_id, cmd.batch_no):
                log.info("batch already applied", batch_no=cmd.batch_no)
                return
            if await store.is_cancelled(conn, cmd.job_id):
                await store.record_batch(conn, cmd.job_id, cmd.batch_no, None)
                done = ImportBatchDone(job_id=cmd.job_id, batch_no=cmd.batch_no, rows=0, inserted=0, updated=0,
                                       skipped=True)
            else:
                result = await store.apply_rows(conn, cmd.job_id, cmd.columns, cmd.rows)
                await store.record_batch(conn, cmd.job_id, cmd.batch_no, result)
                done = ImportBatchDone(
                    job_id=cmd.job_id, batch_no=cmd.batch_no, rows=result.rows,
                    inserted=len(result.inserted), updated=result.updated, unchanged=result.unchanged,
                    created=ProductRefs(ids=[r["id"] for r in result.inserted],
                                        skus=[r["sku"] for r in result.inserted]),
                    changed=ProductRefs(ids=[r["id"] for r in result.changed], skus=[r["sku"] for r in result.changed]),
                )
            await outbox.enqueue(conn, store.SCHEMA, new_event(done, source=SOURCE,
                                                              correlation_id=envelope.correlation_id))

    async def import_cancelled(self, envelope: Envelope, event: ImportCancelled) -> None:
        async with self.pool.acquire() as conn:
            await store.mark_cancelled(conn, event.job_id)
