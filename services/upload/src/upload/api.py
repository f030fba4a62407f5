"""The /imports REST API: thin routes that parse, call, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from pikit.app import ApiError
from upload import domain, handlers, store
from upload.intake import FileIntake, TooLarge, parse_boundary

router = APIRouter(prefix="/imports", tags=["imports"])

JOB_EXAMPLE = {
    "id": "0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10", "filename": "products.csv", "status": "importing",
    "rows_total": 500000, "rows_processed": 120000, "inserted": 100000, "updated": 20000, "invalid": 12,
    "duplicates": 3400, "created_at": "2026-11-23T10:00:00+00:00", "finished_at": None, "error": None,
}


def _job_not_found(job_id: str) -> ApiError:
    return ApiError(404, "not_found", f"No import job {job_id}.")


async def _state(request: Request, job_id: uuid.UUID) -> dict:
    row = await store.get_job(request.app.state.pool, str(job_id))
    if row is None:
        raise _job_not_found(str(job_id))
    return row["state"]


@router.post("", status_code=202, summary="Upload a CSV (or .csv.gz) file and start importing it",
             responses={202: {"content": {"application/json": {"example": JOB_EXAMPLE}}},
                        413: {"description": "The file is over the size limit"},
                        415: {"description": "Not a multipart/form-data request"},
                        422: {"description": "No 'file' field, empty or non-text file, or a required column "
                                             "is missing from the header row"}},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}})
async def upload(request: Request):
    settings = request.app.state.settings
    declared = int(request.headers.get("content-length") or 0)
    if declared > settings.max_bytes + 64 * 1024:
        raise ApiError(413, "too_large", f"The file is over the {settings.max_bytes} byte limit.",
                       limit_bytes=settings.max_bytes)
    job_id = str(uuid.uuid4())
    storage_key = f"uploads/{job_id}"
    intake = FileIntake(request.app.state.storage, storage_key, settings.max_bytes,
                        parse_boundary(request.headers.get("content-type")))
    try:
        await intake.consume(request.stream())
    except TooLarge:
        raise ApiError(413, "too_large", f"The file is over the {settings.max_bytes} byte limit.",
                       limit_bytes=settings.max_bytes) from None
    intake.commit()
    state = await handlers.create_job(
        request.app.state.pool, job_id=job_id, filename=intake.filename, storage_key=storage_key,
        size_bytes=intake.size, sha256=intake.sha256.hexdigest(),
        correlation_id=request.state.correlation_id)
    return JSONResponse(domain.view(state), status_code=202, headers={"Location": f"/imports/{job_id}"})


@router.get("", summary="Import jobs, newest first")
async def list_imports(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0)] = 0,
                       status: Annotated[Literal[domain.STATUSES] | None, Query()] = None):
    states, total = await store.list_jobs(request.app.state.pool, limit, offset, status)
    return {"items": [domain.view(s) for s in states], "total": total, "limit": limit, "offset": offset}


@router.get("/{job_id}", summary="One import job",
            responses={200: {"content": {"application/json": {"example": JOB_EXAMPLE}}}, 404: {}})
async def get_import(request: Request, job_id: uuid.UUID):
    return domain.view(await _state(request, job_id))


@router.get("/{job_id}/events", summary="The job's own event stream, oldest first")
async def get_events(request: Request, job_id: uuid.UUID):
    await _state(request, job_id)
    rows = await store.job_events(request.app.state.pool, str(job_id))
    return {"items": [{"id": r["event_id"], "type": r["type"], "source": r["source"], "data": r["data"],
                       "time": r["occurred_at"].isoformat()} for r in rows]}


@router.get("/{job_id}/errors", summary="The rows that failed validation, as CSV (row, column, value, reason)",
            responses={200: {"content": {"text/csv": {}}}, 404: {}, 409: {"description": "Not validated yet"}})
async def get_errors(request: Request, job_id: uuid.UUID):
    state = await _state(request, job_id)
    storage = request.app.state.storage
    key = f"errors/{job_id}.csv"
    if state["rows_total"] is None or not storage.exists(key):
        if state["terminal"] is not None:
            raise ApiError(404, "no_error_report", "This job ended before its rows were validated.")
        raise ApiError(409, "not_ready", "The error report is written once the file has been validated.")

    def chunks():
        with storage.open_read(key) as f:
            while block := f.read(64 * 1024):
                yield block

    filename = f"{state['filename'].rsplit('.', 1)[0]}-errors.csv"
    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/{job_id}/cancel", status_code=202, summary="Cancel a job that has not ended",
             responses={404: {}, 409: {"description": "The job has already ended"}})
async def cancel_import(request: Request, job_id: uuid.UUID):
    state = await handlers.cancel(request.app.state.pool, str(job_id), request.state.correlation_id)
    return domain.view(state)


@router.post("/{job_id}/retry", status_code=202, summary="Run a failed or cancelled job again (as a new job)",
             responses={404: {}, 409: {"description": "The job is not failed or cancelled"}})
async def retry_import(request: Request, job_id: uuid.UUID):
    state = await handlers.retry(request.app.state.pool, str(job_id), request.state.correlation_id)
    return JSONResponse(domain.view(state), status_code=202, headers={"Location": f"/imports/{state['id']}"})
