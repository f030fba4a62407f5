"""The /imports REST API: thin routes that parse, call, answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from pikit.app import ApiError
from pikit.auth import require
from upload import domain, handlers, store
from upload.intake import FileIntake, TooLarge, parse_boundary

router = APIRouter(prefix="/imports", tags=["imports"])

JOB_EXAMPLE = {
    "id": "0b9a6f1e-5a3c-4f0e-9d2b-2f5d7c1e8a10", "filename": "products.csv", "status": "importing",
    "rows_total": 500000, "rows_processed": 120000, "rows_to_import": 482311, "inserted": 100000, "updated": 20000,
    "invalid": 12, "duplicates": 17677, "batches_total": 97, "batches_done": 24, "size_bytes": 91000000,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "encoding": "utf-8",
    "delimiter": ",", "unknown_columns": [], "created_at": "2026-11-23T10:00:00+00:00",
    "started_at": "2026-11-23T10:00:01+00:00", "finished_at": None, "error": None, "retry_of": None,
    "cancel_requested": False, "has_error_report": True, "created_by": "user:ops@example.com",
}


# --- answers (typed, for the OpenAPI document and the dashboard's generated types) ----------

# Kept as the ISO 8601 strings the job state stores: a datetime field would re-serialize them
# ("+00:00" -> "Z"), and the dashboard compares these strings with the progress snapshots'.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class JobError(BaseModel):
    """Why a job failed; events may add fields, kept as they come."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str


class ImportJob(BaseModel):
    """An import job as the API shows it (``upload.domain.view``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [JOB_EXAMPLE]})

    id: uuid.UUID
    filename: str
    status: Literal[domain.STATUSES]
    rows_total: int | None = Field(description="Data rows in the file; null until validated")
    rows_processed: int = Field(description="Rows of the batches applied so far")
    rows_to_import: int | None = Field(description="Valid rows left after dropping duplicates; null until validated")
    inserted: int
    updated: int
    invalid: int
    duplicates: int = Field(description="Valid rows superseded by a later row with the same SKU (any letter case)")
    batches_total: int | None
    batches_done: int
    size_bytes: int
    sha256: str
    encoding: str | None
    delimiter: str | None
    unknown_columns: list[str] = Field(description="Header columns that were ignored")
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    error: JobError | None = Field(description="Set when the job failed")
    retry_of: uuid.UUID | None = Field(description="The job this one retries")
    cancel_requested: bool
    has_error_report: bool = Field(description="GET /imports/{id}/errors has the invalid rows")
    created_by: str | None = Field(None, description="Who started it: user:ops@example.com or key:ci-nightly")


class ImportJobPage(BaseModel):
    items: list[ImportJob]
    total: int
    limit: int
    offset: int


class JobEvent(BaseModel):
    id: str
    type: str
    source: str
    data: dict[str, Any]
    time: Timestamp


class JobEventPage(BaseModel):
    items: list[JobEvent]


def _job_not_found(job_id: str) -> ApiError:
    return ApiError(404, "not_found", f"No import job {job_id}.")


async def _state(request: Request, job_id: uuid.UUID) -> dict:
    row = await store.get_job(request.app.state.pool, str(job_id))
    if row is None:
        raise _job_not_found(str(job_id))
    return row["state"]


@router.post("", status_code=202, summary="Upload a CSV (or .csv.gz) file and start importing it",
             response_model=ImportJob,
             responses={413: {"description": "The file is over the size limit"},
                        415: {"description": "Not a multipart/form-data request"},
                        429: {"description": "Too many uploads by this principal (Retry-After)"},
                        422: {"description": "No 'file' field, empty or non-text file, or a required column "
                                             "is missing from the header row"}},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"],
                 "properties": {"file": {"type": "string", "format": "binary"}}}}}}},
             dependencies=[require("editor")])
async def upload(request: Request, response: Response):
    settings = request.app.state.settings
    await request.app.state.upload_limit.hit(request.state.principal.ref, "Too many uploads.")
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
        size_bytes=intake.size, sha256=intake.sha256.hexdigest(), created_by=request.state.principal.ref,
        correlation_id=request.state.correlation_id)
    response.headers["Location"] = f"/imports/{job_id}"
    return domain.view(state)


@router.get("", summary="Import jobs, newest first", response_model=ImportJobPage, dependencies=[require("viewer")])
async def list_imports(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0)] = 0,
                       status: Annotated[Literal[domain.STATUSES] | None, Query()] = None):
    states, total = await store.list_jobs(request.app.state.pool, limit, offset, status)
    return {"items": [domain.view(s) for s in states], "total": total, "limit": limit, "offset": offset}


@router.get("/{job_id}", summary="One import job", response_model=ImportJob, responses={404: {}},
            dependencies=[require("viewer")])
async def get_import(request: Request, job_id: uuid.UUID):
    return domain.view(await _state(request, job_id))


@router.get("/{job_id}/events", summary="The job's own event stream, oldest first", response_model=JobEventPage,
            responses={404: {}}, dependencies=[require("viewer")])
async def get_events(request: Request, job_id: uuid.UUID):
    await _state(request, job_id)
    rows = await store.job_events(request.app.state.pool, str(job_id))
    return {"items": [{"id": r["event_id"], "type": r["type"], "source": r["source"], "data": r["data"],
                       "time": r["occurred_at"].isoformat()} for r in rows]}


@router.get("/{job_id}/errors", summary="The rows that failed validation, as CSV (row, column, value, reason)",
            responses={200: {"content": {"text/csv": {}}}, 404: {}, 409: {"description": "Not validated yet"}},
            dependencies=[require("viewer")])
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
             response_model=ImportJob, responses={404: {}, 409: {"description": "The job has already ended"}},
             dependencies=[require("editor")])
async def cancel_import(request: Request, job_id: uuid.UUID):
    state = await handlers.cancel(request.app.state.pool, str(job_id), request.state.correlation_id)
    return domain.view(state)


@router.post("/{job_id}/retry", status_code=202, summary="Run a failed or cancelled job again (as a new job)",
             response_model=ImportJob, responses={404: {}, 409: {"description": "The job is not failed or cancelled"}},
             dependencies=[require("editor")])
async def retry_import(request: Request, response: Response, job_id: uuid.UUID):
    state = await handlers.retry(request.app.state.pool, str(job_id), request.state.principal.ref,
                                 request.state.correlation_id)
    response.headers["Location"] = f"/imports/{state['id']}"
    return domain.view(state)
