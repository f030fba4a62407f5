"""Live progress over SSE while a real import runs through every service."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.e2e.test_import_pipeline import csv_bytes, upload
from tests.support.auth import As
from tests.support.stack import wait_for_job

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def sse_events(response: httpx.Response):
    event: dict = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            event[field] = value.removeprefix(" ")


async def test_progress_streams_a_snapshot_then_changes_and_ends_with_the_completed_job(stack, uploads):
    rows = [[f"Live {i}", f"LIVE-{i:06d}", "d" * 80] for i in range(40_000)]
    job_id = (await upload(uploads, csv_bytes(rows))).json()["id"]
    seen, started = [], time.monotonic()
    async with httpx.AsyncClient(base_url=stack.url("progress-api"), timeout=60, auth=As("viewer")) as client:
        async with client.stream("GET", f"/progress/imports/{job_id}") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for event in sse_events(response):
                seen.append((time.monotonic() - started, event["event"], json.loads(event["data"])))
    first_at, first_kind, _ = seen[0]
    assert first_kind == "snapshot" and first_at < 1.0
    statuses = [data["status"] for _, _, data in seen]
    assert statuses[-1] == "completed" and "importing" in statuses
    percents = [d["percent"] for _, _, d in seen if d["status"] == "importing"]
    assert percents == sorted(percents)  # the bar never goes back within a stage
    final = seen[-1][2]
    job = await wait_for_job(uploads, job_id)
    assert (final["inserted"], final["rows_total"], final["rows_processed"]) == (job["inserted"], 40_000, 40_000)
