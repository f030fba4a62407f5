"""HTTP API: live progress of imports over Server-Sent Events, and plain snapshots.

``GET /progress/imports/{job_id}`` (one job, ``text/event-stream``)

- Every event's ``data`` is a job snapshot (JSON, see ``progress.domain``) and its
  ``id`` is the Redis stream id of that change (``<ms>-<seq>``), usable as
  ``Last-Event-ID``.
- Without ``Last-Event-ID``: at once an event ``snapshot`` with the current state
  (id = the job's latest change). A job the gateway has never seen (just created,
  not yet folded; or a wrong id) gets a placeholder snapshot with ``status:
  "unknown"`` and id ``0-0``, then the stream waits for the job to appear (up to
  ``PROGRESS_UNKNOWN_JOB_WAIT_SECONDS``, then it ends and the browser reconnects).
- Then an event ``progress`` per change, in order, each the full snapshot after it.
- With ``Last-Event-ID`` (header, or the ``last_event_id`` query parameter): only the
  changes after that id, as ``progress`` events, and no snapshot, when the job's
  stream still holds all of them; otherwise (older than the retained history, or an
  unknown/expired job) a ``snapshot`` first, as without it.
- The stream ends right after the first event whose snapshot is terminal (status
  completed, failed or cancelled), including when the job had already ended when the
  client subscribed (then the only event is the terminal ``snapshot``). A reconnect
  with a ``Last-Event-ID`` at or past that terminal event is answered ``204 No
  Content``, which tells a browser's EventSource to stop reconnecting.
- Heartbeats: an SSE comment line every ``PROGRESS_PING_SECONDS`` (15).

``GET /progress/imports`` (every job, for the dashboard list; never ends by itself)

- Without ``Last-Event-ID``: at once an event ``snapshot`` whose data is ``{"jobs":
  [...]}``, the snapshots of the ``limit`` most recently changed jobs, newest first
  (id = the latest change of any job, or ``0-0``). A change may be both in it and in
  the ``progress`` event that follows: replace by ``job_id``.
- Then an event ``progress`` per change of any job (data = that job's snapshot).
- ``Last-Event-ID`` resumes after that id like above (a ``snapshot`` first if history
  was trimmed past it).

``GET /progress/imports/{job_id}/snapshot``: the current snapshot as JSON, 404 if unknown.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from pikit.app import ApiError
from pikit.auth import require
from progress import domain
from progress.fanout import ALL_JOBS, Fanout
from progress.settings import ProgressSettings
from progress.store import ProgressStore, parse_id

PAGE = 500

router = APIRouter(prefix="/progress", tags=["progress"], dependencies=[require("viewer")])


@dataclass
class Gateway:
    store: ProgressStore
    fanout: Fanout
    settings: ProgressSettings


def _gateway(request: Request) -> Gateway:
    return request.app.state.gateway


def _event(entry_id: str, event: str, data: dict) -> ServerSentEvent:
    return ServerSentEvent(data=orjson.dumps(data).decode(), event=event, id=entry_id)


def _after(a: str, b: str) -> bool:
    return parse_id(a) > parse_id(b)


def _sse(gateway: Gateway, events: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    return EventSourceResponse(events, ping=gateway.settings.ping_seconds, send_timeout=30)


SSE_RESPONSES = {200: {"description": "An SSE stream (text/event-stream).",
                       "content": {"text/event-stream": {}}}}


@router.get("/imports/{job_id}/snapshot", summary="The job's current progress snapshot")
async def job_snapshot(job_id: str, request: Request) -> dict:
    snapshot = await _gateway(request).store.get_snapshot(job_id)
    if snapshot is None:
        raise ApiError(404, "job_not_found", f"No progress is known for job {job_id}.", job_id=job_id)
    return snapshot


@router.get("/imports/{job_id}", summary="Live progress of one import (SSE)", responses=SSE_RESPONSES,
            response_class=Response)
async def job_events(
    job_id: str,
    request: Request,
    last_event_id_header: str | None = Header(None, alias="Last-Event-ID"),
    last_event_id: str | None = Query(None, description="Same as the Last-Event-ID header."),
):
    gateway = _gateway(request)
    resume = last_event_id_header or last_event_id
    resume = resume.strip() if resume and parse_id(resume) else None
    if resume is not None:
        latest = await gateway.store.latest(job_id)
        if latest is not None and domain.is_terminal(latest[1]) and not _after(latest[0], resume):
            return Response(status_code=204)
    return _sse(gateway, _job_events(gateway, job_id, resume))


async def _job_events(gateway: Gateway, job_id: str, resume: str | None) -> AsyncIterator[ServerSentEvent]:
    store, settings = gateway.store, gateway.settings
    with gateway.fanout.subscribe(job_id) as waiter:  # before reading, so no change slips between
        last = None
        if resume is not None:
            oldest = await store.oldest_job_id(job_id)
            if oldest is not None and not _after(oldest, resume):
                last = resume  # every change after it is still in the stream
        if last is None:
            latest = await store.latest(job_id)
            last, snapshot = latest if latest is not None else ("0-0", domain.unknown(job_id))
            yield _event(last, "snapshot", snapshot)
            if domain.is_terminal(snapshot):
                return
        give_up_at = time.monotonic() + settings.unknown_job_wait_seconds
        while True:
            waiter.clear()
            entries = await store.read_job(job_id, last, PAGE)
            for entry_id, snapshot in entries:
                yield _event(entry_id, "progress", snapshot)
                last = entry_id
                if domain.is_terminal(snapshot):
                    return
            if len(entries) == PAGE:
                continue
            if last == "0-0" and time.monotonic() >= give_up_at:
                return  # still unknown: let the client reconnect (and wait again) or give up
            await waiter.wait(settings.poll_seconds)


@router.get("/imports", summary="Live progress of every import (SSE)", responses=SSE_RESPONSES,
            response_class=Response)
async def all_events(
    request: Request,
    last_event_id_header: str | None = Header(None, alias="Last-Event-ID"),
    last_event_id: str | None = Query(None, description="Same as the Last-Event-ID header."),
    limit: int | None = Query(None, ge=1, le=1000, description="Jobs in the first snapshot event."),
):
    gateway = _gateway(request)
    resume = last_event_id_header or last_event_id
    resume = resume.strip() if resume and parse_id(resume) else None
    return _sse(gateway, _all_events(gateway, resume, limit or gateway.settings.dashboard_jobs))


async def _all_events(gateway: Gateway, resume: str | None, limit: int) -> AsyncIterator[ServerSentEvent]:
    store, settings = gateway.store, gateway.settings
    with gateway.fanout.subscribe(ALL_JOBS) as waiter:
        last = None
        if resume is not None:
            oldest = await store.oldest_global_id()
            if oldest is None or not _after(oldest, resume):
                last = resume
        if last is None:
            # The id first, then the jobs: a change in between is sent again, never lost.
            last = await store.latest_global_id() or "0-0"
            yield _event(last, "snapshot", {"jobs": await store.recent_jobs(limit)})
        while True:
            waiter.clear()
            entries = await store.read_all(last, PAGE)
            for entry_id, snapshot in entries:
                yield _event(entry_id, "progress", snapshot)
                last = entry_id
            if len(entries) < PAGE:
                await waiter.wait(settings.poll_seconds)
