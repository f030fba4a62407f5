"""A worker and a catalog consumer killed with SIGKILL mid-import: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from catalog import bulk_load
from tests.e2e.test_import_pipeline import csv_bytes, upload
from tests.support.stack import wait_for_job

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROWS = 80_000  # 80 batches of 1,000 in the test stack


async def test_killed_worker_and_catalog_consumer_resume_with_exact_counts(stack, uploads, db):
    rows = [[f"Crash {i}", f"CRASH-{i:06d}", f"description {i}"] for i in range(ROWS)]
    job_id = (await upload(uploads, csv_bytes(rows))).json()["id"]

    for _ in range(600):  # kill both once some, but not all, batches are applied
        job = (await uploads.get(f"/imports/{job_id}")).json()
        if job["batches_done"] >= 5:
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "importing" and job["batches_done"] < job["batches_total"], job
    stack.kill("import-worker")
    stack.kill("catalog-consume")
    partial = await db.fetchval("SELECT count(*) FROM catalog.products WHERE sku LIKE 'CRASH-%'")
    assert 0 < partial < ROWS

    stack.start("catalog-consume", "import-worker")
    job = await wait_for_job(uploads, job_id, timeout=180)

    assert job["status"] == "completed", job
    assert (job["rows_total"], job["inserted"], job["updated"], job["invalid"]) == (ROWS, ROWS, 0, 0)
    assert await db.fetchval("SELECT count(*) FROM catalog.products WHERE sku LIKE 'CRASH-%'") == ROWS
    history = await db.fetchval(
        "SELECT count(*) FROM catalog.product_history WHERE job_id = $1", job_id)
    assert history == ROWS  # one 'created' per product: no batch applied twice
    batches = await db.fetch("SELECT batch_no FROM catalog.applied_batches WHERE job_id = $1", job_id)
    assert sorted(b["batch_no"] for b in batches) == list(range(ROWS // 1000))

    # 80,000 rows into a smaller catalog make a bulk load: the consumer dropped the read
    # indexes before it was killed, and builds them again once the import is over.
    assert "bulk load: read indexes dropped" in (stack.log_dir / "catalog-consume.log").read_text()
    for _ in range(200):
        present = await db.fetchval("SELECT count(*) FROM pg_indexes WHERE schemaname = 'catalog' "
                                    "AND indexname = ANY($1::text[])", list(bulk_load.READ_INDEXES))
        if present == len(bulk_load.READ_INDEXES):
            break
        await asyncio.sleep(0.1)
    assert present == len(bulk_load.READ_INDEXES)
