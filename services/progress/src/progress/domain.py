"""The job snapshot: a pure fold of ``import.*`` events. No I/O.

``apply(snapshot, event_type, data, time)`` returns a new snapshot. The fold is
order-independent and idempotent: whatever order the events arrive in, and however
many times each one is delivered, the same set of events gives the same snapshot.
That holds because every fact is merged with an operation that does not care about
order or repetition:

- status: the highest rank seen (queued < parsing < validating < importing <
  completed < failed < cancelled), so it never moves backwards and the terminal
  states are final, cancelled winning over failed winning over completed;
- counters read from the worker (rows_read, bytes_read, batches_sent): the maximum;
- per-batch counters (rows, inserted, updated, unchanged): sums over the distinct
  ``batch_no`` seen (the set is kept in the snapshot's private part);
- times: the first time a stage was seen (minimum), the last event time (maximum).

A snapshot is a JSON-ready dict. Its public fields are listed in ``PUBLIC_FIELDS``;
the key ``"_"`` holds the facts the fold needs and that clients do not
(``public()`` strips it). Times are ISO 8601 strings in UTC.

Derived fields, recomputed from the facts after every event:

- ``stage``: the working stage (parsing / validating / importing) the job is in, or
  was in when it ended; ``None`` while queued.
- ``percent`` (0-100, one decimal): in parsing/validating, ``bytes_read/bytes_total``
  of pass 1; in importing, ``rows_processed/rows_to_import``; 100 when completed;
  frozen at its last value when failed or cancelled.
- ``rate``: rows per second in the current stage since that stage started (pass 1,
  i.e. parsing + validating, counts ``rows_read`` from ``started_at``; importing
  counts ``rows_processed`` from the first importing event). For a finished job it
  is the rate of its last stage up to ``finished_at``. ``None`` when unknown.
- ``eta_seconds``: time left in the current stage at the current rate (pass 1 from
  bytes, importing from rows); 0 when completed; ``None`` when unknown, failed or
  cancelled.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

QUEUED, PARSING, VALIDATING, IMPORTING = "queued", "parsing", "validating", "importing"
COMPLETED, FAILED, CANCELLED = "completed", "failed", "cancelled"
UNKNOWN = "unknown"  # only in the placeholder for a job the gateway has not seen yet

RANK = {QUEUED: 0, PARSING: 1, VALIDATING: 2, IMPORTING: 3, COMPLETED: 4, FAILED: 5, CANCELLED: 6}
STATUS_OF_RANK = {rank: status for status, rank in RANK.items()}
WORKING = (PARSING, VALIDATING, IMPORTING)
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED})

EVENT_TYPES = (
    "import.requested",
    "import.started",
    "import.progress",
    "import.validated",
    "import.batch_done",
    "import.completed",
    "import.failed",
    "import.cancelled",
    "import.cancel_requested",
)

PUBLIC_FIELDS = (
    "job_id", "filename", "size_bytes", "retry_of", "status", "stage", "terminal",
    "rows_total", "rows_read", "rows_processed", "rows_to_import",
    "inserted", "updated", "unchanged", "invalid", "duplicates",
    "batches_total", "batches_sent", "batches_done",
    "bytes_read", "bytes_total", "percent", "rate", "eta_seconds",
    "cancel_requested", "error",
    "created_at", "started_at", "updated_at", "finished_at",
)


def _iso(time: datetime) -> str:
    if time.tzinfo is None:
        time = time.replace(tzinfo=UTC)
    return time.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _min_time(a: str | None, b: str) -> str:
    return b if a is None or b < a else a


def _max_time(a: str | None, b: str) -> str:
    return b if a is None or b > a else a


def _max(a: int | None, b: int | None) -> int | None:
    if b is None:
        return a
    return b if a is None or b > a else a


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _new(job_id: str) -> dict:
    snapshot: dict[str, Any] = {name: None for name in PUBLIC_FIELDS}
    snapshot.update(job_id=job_id, status=QUEUED, terminal=False, cancel_requested=False,
                    rows_read=0, bytes_read=0, batches_sent=0)
    snapshot["_"] = {
        "rank": 0,
        "requested_at": None,   # time of import.requested
        "first_at": None,       # earliest event time seen
        "stage_at": {},         # working stage -> earliest event time in that stage
        "final_at": {},         # terminal status -> earliest time of that event
        "size_bytes": None,     # from import.requested (fallback for bytes_total)
        "worker_bytes_total": None,
        "validated": None,      # {rows_total, invalid, duplicates, rows_to_import, batches}
        "progress_batches_total": None,
        "batches": [],          # distinct batch_no seen, sorted
        "sums": {"rows": 0, "inserted": 0, "updated": 0, "unchanged": 0},
        "completed": None,      # totals carried by import.completed
        "failure": None,        # error of import.failed
        "cancel_reason": None,
    }
    return snapshot


def unknown(job_id: str) -> dict:
    """The public placeholder sent for a job the gateway has no snapshot of (yet)."""
    snapshot = public(_derive(_new(job_id)))
    snapshot.update(status=UNKNOWN, percent=0.0)
    return snapshot


def public(snapshot: dict) -> dict:
    """The snapshot as clients see it: without the fold's private facts."""
    return {key: value for key, value in snapshot.items() if key != "_"}


def is_terminal(snapshot: dict | None) -> bool:
    return bool(snapshot) and snapshot.get("status") in TERMINAL


def apply(snapshot: dict | None, event_type: str, data: dict, time: datetime) -> dict:
    """Fold one event into a job snapshot and return the new snapshot (the input is not changed).

    Unknown event types leave the snapshot as it was (a new one if there was none).
    """
    job_id = str(data.get("job_id") or (snapshot or {}).get("job_id") or "")
    new = _new(job_id) if snapshot is None else copy.deepcopy(snapshot)
    facts = new["_"]
    at = _iso(time)
    facts["first_at"] = _min_time(facts["first_at"], at)
    new["updated_at"] = _max_time(new["updated_at"], at)

    def reach(status: str) -> None:
        facts["rank"] = max(facts["rank"], RANK[status])
        if status in WORKING:
            facts["stage_at"][status] = _min_time(facts["stage_at"].get(status), at)
        elif status in TERMINAL:
            facts["final_at"][status] = _min_time(facts["final_at"].get(status), at)

    if event_type == "import.requested":
        facts["requested_at"] = _min_time(facts["requested_at"], at)
        new["filename"] = data.get("filename", new["filename"])
        new["retry_of"] = data.get("retry_of", new["retry_of"])
        facts["size_bytes"] = _int(data.get("size_bytes", data.get("size"))) or facts["size_bytes"]
    elif event_type == "import.started":
        reach(PARSING)
        facts["worker_bytes_total"] = _max(facts["worker_bytes_total"], _int(data.get("bytes_total")))
    elif event_type == "import.progress":
        stage = data.get("stage")
        if stage in WORKING:
            reach(stage)
        new["rows_read"] = _max(new["rows_read"], _int(data.get("rows_read")))
        new["bytes_read"] = _max(new["bytes_read"], _int(data.get("bytes_read")))
        new["batches_sent"] = _max(new["batches_sent"], _int(data.get("batches_sent")))
        facts["worker_bytes_total"] = _max(facts["worker_bytes_total"], _int(data.get("bytes_total")))
        facts["progress_batches_total"] = _max(facts["progress_batches_total"], _int(data.get("batches_total")))
    elif event_type == "import.validated":
        reach(IMPORTING)
        facts["validated"] = {
            "rows_total": _int(data.get("rows_total")),
            "invalid": _int(data.get("invalid")),
            "duplicates": _int(data.get("duplicates")),
            "rows_to_import": _int(data.get("rows_to_import")),
            "batches": _int(data.get("batches")),
        }
    elif event_type == "import.batch_done":
        reach(IMPORTING)
        batch_no = _int(data.get("batch_no"))
        if batch_no is not None and batch_no not in set(facts["batches"]):
            facts["batches"] = sorted([*facts["batches"], batch_no])
            for name in ("rows", "inserted", "updated", "unchanged"):
                facts["sums"][name] += _int(data.get(name)) or 0
    elif event_type == "import.completed":
        reach(COMPLETED)
        facts["completed"] = {name: _int(data.get(name))
                              for name in ("rows_total", "inserted", "updated", "invalid", "duplicates")}
    elif event_type == "import.failed":
        reach(FAILED)
        error = data.get("error") or {}
        if isinstance(error, dict):
            error = {"code": str(error.get("code") or "failed"), "message": str(error.get("message") or "")}
        else:
            error = {"code": "failed", "message": str(error)}
        # Two different failures of one job: keep one of them whatever the order.
        if facts["failure"] is None or (error["code"], error["message"]) < (
                facts["failure"]["code"], facts["failure"]["message"]):
            facts["failure"] = error
    elif event_type == "import.cancelled":
        reach(CANCELLED)
        reason = str(data.get("reason") or "cancelled by user")
        if facts["cancel_reason"] is None or reason < facts["cancel_reason"]:
            facts["cancel_reason"] = reason
    elif event_type == "import.cancel_requested":
        new["cancel_requested"] = True
    return _derive(new)


def _seconds(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return (_parse(end) - _parse(start)).total_seconds()


def _derive(snapshot: dict) -> dict:
    """Recompute every derived public field from the facts."""
    facts = snapshot["_"]
    status = STATUS_OF_RANK[facts["rank"]]
    terminal = status in TERMINAL
    validated = facts["validated"] or {}
    completed = facts["completed"] or {}
    sums = facts["sums"]
    stage_at = facts["stage_at"]

    stage = next((s for s in reversed(WORKING) if s in stage_at), None) if terminal else (
        status if status in WORKING else None)
    finished_at = facts["final_at"].get(status) if terminal else None

    rows_to_import = validated.get("rows_to_import")
    rows_processed = sums["rows"]
    if status == COMPLETED and rows_to_import is not None:
        rows_processed = max(rows_processed, rows_to_import)
    bytes_total = facts["worker_bytes_total"] or facts["size_bytes"]

    snapshot.update(
        status=status,
        stage=stage,
        terminal=terminal,
        size_bytes=facts["size_bytes"],
        bytes_total=bytes_total,
        rows_total=completed.get("rows_total") if completed.get("rows_total") is not None
        else validated.get("rows_total"),
        rows_to_import=rows_to_import,
        rows_processed=rows_processed,
        inserted=completed["inserted"] if completed.get("inserted") is not None else sums["inserted"],
        updated=completed["updated"] if completed.get("updated") is not None else sums["updated"],
        unchanged=sums["unchanged"],
        invalid=completed["invalid"] if completed.get("invalid") is not None else validated.get("invalid"),
        duplicates=completed["duplicates"] if completed.get("duplicates") is not None
        else validated.get("duplicates"),
        batches_total=validated.get("batches") if validated.get("batches") is not None
        else facts["progress_batches_total"],
        batches_done=len(facts["batches"]),
        created_at=facts["requested_at"] or facts["first_at"],
        started_at=stage_at.get(PARSING) or min(stage_at.values(), default=None),
        finished_at=finished_at,
        error=facts["failure"] if status == FAILED else (
            {"code": "cancelled", "message": facts["cancel_reason"]} if status == CANCELLED else None),
    )

    now = finished_at if terminal else snapshot["updated_at"]
    percent = 0.0
    rate = eta = None
    if stage in (PARSING, VALIDATING):
        bytes_read = snapshot["bytes_read"] or 0
        if bytes_total:
            percent = 100.0 * bytes_read / bytes_total
        elapsed = _seconds(snapshot["started_at"], now)
        if elapsed and elapsed > 0:
            rate = (snapshot["rows_read"] or 0) / elapsed
            if bytes_total and bytes_read > 0:
                eta = elapsed * max(bytes_total - bytes_read, 0) / bytes_read
    elif stage == IMPORTING:
        if rows_to_import is not None:
            percent = 100.0 if rows_to_import == 0 else 100.0 * rows_processed / rows_to_import
        elif snapshot["batches_total"]:
            percent = 100.0 * snapshot["batches_done"] / snapshot["batches_total"]
        elapsed = _seconds(stage_at.get(IMPORTING), now)
        if elapsed and elapsed > 0:
            rate = rows_processed / elapsed
            if rate > 0 and rows_to_import is not None:
                eta = max(rows_to_import - rows_processed, 0) / rate
    if status == COMPLETED:
        percent, eta = 100.0, 0.0
    elif terminal:
        eta = None
    snapshot.update(
        percent=round(min(max(percent, 0.0), 100.0), 1),
        rate=None if rate is None else round(rate, 1),
        eta_seconds=None if eta is None else round(eta, 1),
    )
    return snapshot
