"""An import job as a fold over its events: pure, tolerant of any order and of duplicates.

The state is a plain JSON-able dict (stored as the projection). Facts only accumulate:
the stage is the furthest one reported, a terminal event is final (if several arrive,
cancelled > failed > completed, whatever their order), and counts are sums over the
set of batch numbers seen, so a batch reported twice counts once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

STAGES = ("queued", "parsing", "validating", "importing")
TERMINAL_RANK = {"completed": 1, "failed": 2, "cancelled": 3}
STATUSES = STAGES + tuple(TERMINAL_RANK)


def new_job(job_id: str, filename: str, created_at: datetime, *, size_bytes: int, sha256: str,
            retry_of: str | None = None, created_by: str | None = None) -> dict[str, Any]:
    return {
        "id": job_id, "filename": filename, "size_bytes": size_bytes, "sha256": sha256, "retry_of": retry_of,
        "created_by": created_by,
        "stage": "queued", "terminal": None, "created_at": created_at.isoformat(), "started_at": None,
        "finished_at": None, "error": None, "cancel_requested": False,
        "rows_total": None, "valid": None, "invalid": 0, "duplicates": 0, "rows_to_import": None,
        "batches_total": None, "batches": {}, "encoding": None, "delimiter": None, "unknown_columns": [],
        "error_report": False,
    }


def status(state: dict) -> str:
    return state["terminal"] or state["stage"]


def _advance(state: dict, stage: str) -> None:
    if STAGES.index(stage) > STAGES.index(state["stage"]):
        state["stage"] = stage


def _earliest(current: str | None, time: str) -> str:
    return time if current is None or time < current else current


def advances(state: dict, event_type: str, data: dict) -> bool:
    """Whether a progress event tells something new (only stage changes are kept)."""
    if event_type != "import.progress":
        return True
    return state["terminal"] is None and STAGES.index(data["stage"]) > STAGES.index(state["stage"])


def fold(state: dict, event_type: str, data: dict, time: datetime) -> dict:
    s = {**state, "batches": dict(state["batches"])}
    at = time.isoformat()
    match event_type:
        case "import.started":
            _advance(s, "parsing")
            s["started_at"] = _earliest(s["started_at"], at)
        case "import.progress":
            _advance(s, data["stage"])
            s["started_at"] = _earliest(s["started_at"], at)
        case "import.validated":
            _advance(s, "importing")
            for key in ("rows_total", "valid", "invalid", "duplicates", "rows_to_import", "encoding",
                        "delimiter", "unknown_columns"):
                s[key] = data.get(key, s[key])
            s["batches_total"] = data["batches"]
            s["error_report"] = bool(data.get("error_report_key"))
        case "import.batch_done":
            _advance(s, "importing")
            s["batches"][str(data["batch_no"])] = [data["rows"], data["inserted"], data["updated"],
                                                   bool(data.get("skipped"))]
        case "import.cancel_requested":
            s["cancel_requested"] = True
        case "import.completed" | "import.failed" | "import.cancelled":
            outcome = event_type.removeprefix("import.")
            current = s["terminal"]
            if current is None or TERMINAL_RANK[outcome] > TERMINAL_RANK[current]:
                s["terminal"] = outcome
                s["finished_at"] = at
                s["error"] = data.get("error") if outcome == "failed" else None
        case _:
            pass
    return s


def totals(state: dict) -> dict[str, int]:
    rows = inserted = updated = 0
    for batch_rows, batch_inserted, batch_updated, _ in state["batches"].values():
        rows += batch_rows
        inserted += batch_inserted
        updated += batch_updated
    return {"rows_processed": rows, "inserted": inserted, "updated": updated}


def is_complete(state: dict) -> bool:
    """Validated, and every batch it announced has been applied, and nothing ended it first."""
    total = state["batches_total"]
    if state["terminal"] is not None or total is None:
        return False
    return all(str(n) in state["batches"] for n in range(total))


def completion(state: dict, now: datetime) -> dict:
    """The body of ``import.completed`` for a job where ``is_complete`` holds."""
    t = totals(state)
    started = datetime.fromisoformat(state["created_at"])
    return {
        "job_id": state["id"], "rows_total": state["rows_total"] or 0, "inserted": t["inserted"],
        "updated": t["updated"], "invalid": state["invalid"], "duplicates": state["duplicates"],
        "duration_ms": int((now - started).total_seconds() * 1000),
    }


def can_cancel(state: dict) -> bool:
    return state["terminal"] is None


def can_retry(state: dict) -> bool:
    return state["terminal"] in ("failed", "cancelled")


def view(state: dict) -> dict[str, Any]:
    """The job as the API shows it."""
    t = totals(state)
    return {
        "id": state["id"], "filename": state["filename"], "status": status(state),
        "rows_total": state["rows_total"], "rows_processed": t["rows_processed"],
        "rows_to_import": state["rows_to_import"], "inserted": t["inserted"], "updated": t["updated"],
        "invalid": state["invalid"], "duplicates": state["duplicates"],
        "batches_total": state["batches_total"], "batches_done": len(state["batches"]),
        "size_bytes": state["size_bytes"], "sha256": state["sha256"], "encoding": state["encoding"],
        "delimiter": state["delimiter"], "unknown_columns": state["unknown_columns"],
        "created_at": state["created_at"], "started_at": state["started_at"], "finished_at": state["finished_at"],
        "error": state["error"], "retry_of": state["retry_of"], "cancel_requested": state["cancel_requested"],
        "has_error_report": state["error_report"], "created_by": state.get("created_by"),
    }
