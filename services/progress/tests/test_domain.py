"""Unit tests of the job snapshot fold (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from progress import domain
from progress.domain import apply

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
JOB = "job-1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fold(events, snapshot=None):
    for event_type, data, time in events:
        snapshot = apply(snapshot, event_type, {"job_id": JOB, **data}, time)
    return snapshot


def happy_path():
    """A 1,000-row file, 900 rows to import in 3 batches; (type, data, time) in emission order."""
    return [
        ("import.requested", {"filename": "products.csv", "size_bytes": 10_000, "storage_key": "k",
                              "sha256": "x"}, at(0)),
        ("import.started", {"attempt": 1, "bytes_total": 10_000}, at(1)),
        ("import.progress", {"stage": "parsing", "rows_read": 500, "bytes_read": 5_000,
                             "bytes_total": 10_000}, at(2)),
        ("import.progress", {"stage": "validating", "rows_read": 1_000, "bytes_read": 10_000,
                             "bytes_total": 10_000}, at(3)),
        ("import.validated", {"rows_total": 1_000, "valid": 950, "invalid": 50, "duplicates": 50,
                              "rows_to_import": 900, "batches": 3, "encoding": "utf-8", "delimiter": ","},
         at(4)),
        ("import.batch_done", {"batch_no": 1, "rows": 300, "inserted": 200, "updated": 100}, at(5)),
        ("import.progress", {"stage": "importing", "rows_read": 1_000, "bytes_read": 10_000,
                             "batches_sent": 3, "batches_total": 3}, at(5)),
        ("import.batch_done", {"batch_no": 2, "rows": 300, "inserted": 300, "updated": 0}, at(6)),
        ("import.batch_done", {"batch_no": 3, "rows": 300, "inserted": 250, "updated": 40, "unchanged": 10},
         at(7)),
        ("import.completed", {"rows_total": 1_000, "inserted": 750, "updated": 140, "invalid": 50,
                              "duplicates": 50}, at(8)),
    ]


def test_requested_makes_a_queued_job():
    s = fold(happy_path()[:1])
    assert s["job_id"] == JOB
    assert s["filename"] == "products.csv"
    assert s["size_bytes"] == 10_000
    assert s["status"] == "queued" and s["stage"] is None and s["terminal"] is False
    assert s["percent"] == 0.0 and s["rate"] is None and s["eta_seconds"] is None
    assert s["created_at"] == "2024-05-01T12:00:00.000000+00:00"
    assert s["started_at"] is None and s["finished_at"] is None
    assert s["error"] is None


def test_snapshot_is_json_and_public_has_every_field():
    s = fold(happy_path())
    assert orjson.loads(orjson.dumps(s)) == s
    p = domain.public(s)
    assert "_" not in p
    assert set(p) == set(domain.PUBLIC_FIELDS)


def test_apply_does_not_change_its_input():
    s = fold(happy_path()[:3])
    before = orjson.dumps(s)
    apply(s, "import.batch_done", {"job_id": JOB, "batch_no": 9, "rows": 1, "inserted": 1, "updated": 0}, at(9))
    assert orjson.dumps(s) == before


def test_stages_percent_rate_and_eta_along_the_way():
    events = happy_path()
    s = fold(events[:2])
    assert s["status"] == "parsing" and s["started_at"] == "2024-05-01T12:00:01.000000+00:00"

    s = fold(events[:3])  # parsing, half of the bytes, 1 s after start
    assert s["status"] == "parsing" and s["stage"] == "parsing"
    assert s["percent"] == 50.0
    assert s["rate"] == 500.0  # 500 rows in 1 s since import.started
    assert s["eta_seconds"] == 1.0  # half of the bytes took 1 s

    s = fold(events[:4])
    assert s["status"] == "validating" and s["percent"] == 100.0

    s = fold(events[:5])
    assert s["status"] == "importing" and s["stage"] == "importing"
    assert (s["rows_total"], s["invalid"], s["duplicates"], s["rows_to_import"], s["batches_total"]) == \
        (1_000, 50, 50, 900, 3)
    assert s["percent"] == 0.0 and s["rows_processed"] == 0

    s = fold(events[:6])  # one batch of 300, 1 s after validated
    assert (s["rows_processed"], s["inserted"], s["updated"], s["batches_done"]) == (300, 200, 100, 1)
    assert s["percent"] == 33.3
    assert s["rate"] == 300.0
    assert s["eta_seconds"] == 2.0

    s = fold(events[:9])
    assert (s["rows_processed"], s["inserted"], s["updated"], s["unchanged"], s["batches_done"]) == \
        (900, 750, 140, 10, 3)
    assert s["percent"] == 100.0 and s["status"] == "importing" and not s["terminal"]
    assert s["batches_sent"] == 3


def test_completed_is_terminal_with_final_totals():
    s = fold(happy_path())
    assert s["status"] == "completed" and s["terminal"] is True
    assert s["stage"] == "importing"  # the last working stage
    assert s["percent"] == 100.0 and s["eta_seconds"] == 0.0
    assert s["rate"] == 225.0  # 900 rows between validated (t=4) and completed (t=8)
    assert s["finished_at"] == "2024-05-01T12:00:08.000000+00:00"
    assert (s["inserted"], s["updated"], s["rows_processed"]) == (750, 140, 900)


def test_duplicate_batch_done_is_counted_once():
    events = happy_path()
    batch = events[5]
    s = fold([*events[:6], batch, batch])
    assert (s["rows_processed"], s["inserted"], s["updated"], s["batches_done"]) == (300, 200, 100, 1)
    # the same batch number with other numbers (a replayed, re-computed batch) is still one batch
    s = fold([("import.batch_done", {"batch_no": 1, "rows": 5, "inserted": 5, "updated": 0}, at(10))], s)
    assert (s["rows_processed"], s["batches_done"]) == (300, 1)


def test_every_event_is_idempotent():
    s = None
    for event_type, data, time in happy_path():
        once = apply(s, event_type, {"job_id": JOB, **data}, time)
        twice = apply(once, event_type, {"job_id": JOB, **data}, time)
        assert twice == once, event_type
        s = once


def test_status_never_moves_backwards():
    events = happy_path()
    s = fold(events[:5])  # importing
    s = fold([("import.progress", {"stage": "parsing", "rows_read": 10, "bytes_read": 100}, at(9)),
              ("import.started", {}, at(9)), ("import.requested", {"filename": "products.csv"}, at(9))], s)
    assert s["status"] == "importing"
    # older counters never lower the newer ones
    assert s["rows_read"] == 1_000 and s["bytes_read"] == 10_000


def test_batch_done_before_validated_counts_and_means_importing():
    s = fold([("import.batch_done", {"batch_no": 2, "rows": 10, "inserted": 10, "updated": 0}, at(5))])
    assert s["status"] == "importing" and s["rows_processed"] == 10 and s["filename"] is None
    assert s["created_at"] == "2024-05-01T12:00:05.000000+00:00"
    s = fold(happy_path(), s)
    assert s["status"] == "completed"
    assert s["batches_done"] == 3 and s["created_at"] == "2024-05-01T12:00:00.000000+00:00"


def test_terminal_precedence_cancelled_over_failed_over_completed():
    base = fold(happy_path()[:6])
    completed = ("import.completed", {"rows_total": 1, "inserted": 1, "updated": 0, "invalid": 0,
                                      "duplicates": 0}, at(20))
    failed = ("import.failed", {"error": {"code": "unreadable", "message": "bad bytes"}}, at(21))
    cancelled = ("import.cancelled", {"reason": "stop"}, at(22))
    assert fold([completed, failed], base)["status"] == "failed"
    assert fold([failed, completed], base)["status"] == "failed"
    assert fold([cancelled, failed, completed], base)["status"] == "cancelled"
    assert fold([completed, cancelled], base)["status"] == "cancelled"
    # terminal is final: nothing moves it back to a working state
    s = fold([failed, ("import.progress", {"stage": "importing"}, at(30)), ("import.validated", {}, at(31))],
             base)
    assert s["status"] == "failed" and s["terminal"]


def test_failed_carries_the_error_and_freezes_percent():
    events = happy_path()
    s = fold([*events[:3], ("import.failed", {"error": {"code": "encoding", "message": "cannot decode"}},
                            at(2.5))])
    assert s["status"] == "failed" and s["terminal"] is True
    assert s["error"] == {"code": "encoding", "message": "cannot decode"}
    assert s["stage"] == "parsing"
    assert s["percent"] == 50.0
    assert s["eta_seconds"] is None
    assert s["finished_at"] == "2024-05-01T12:00:02.500000+00:00"


def test_cancelled_and_cancel_requested():
    s = fold([*happy_path()[:6], ("import.cancel_requested", {}, at(6))])
    assert s["cancel_requested"] is True and s["status"] == "importing"
    s = fold([("import.cancelled", {"reason": "cancelled by user"}, at(7))], s)
    assert s["status"] == "cancelled" and s["terminal"]
    assert s["error"] == {"code": "cancelled", "message": "cancelled by user"}


def test_empty_import_is_complete_at_100_percent():
    s = fold([("import.validated", {"rows_total": 3, "invalid": 3, "duplicates": 0, "rows_to_import": 0,
                                    "batches": 0}, at(1))])
    assert s["status"] == "importing" and s["percent"] == 100.0
    s = fold([("import.completed", {"rows_total": 3, "inserted": 0, "updated": 0, "invalid": 3,
                                    "duplicates": 0}, at(2))], s)
    assert s["status"] == "completed" and s["percent"] == 100.0


def test_naive_times_are_utc():
    s = apply(None, "import.requested", {"job_id": JOB, "filename": "a.csv"}, datetime(2024, 5, 1, 12))
    assert s["created_at"] == "2024-05-01T12:00:00.000000+00:00"


def test_unknown_event_type_changes_nothing():
    s = fold(happy_path()[:3])
    assert apply(s, "product.created", {"job_id": JOB}, at(2)) == s


def test_unknown_placeholder():
    u = domain.unknown("nope")
    assert u["job_id"] == "nope" and u["status"] == "unknown" and u["terminal"] is False
    assert "_" not in u and set(u) == set(domain.PUBLIC_FIELDS)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_order_and_any_duplicates_give_the_same_snapshot(data):
    events = happy_path()
    extra = data.draw(st.lists(st.sampled_from(events), max_size=8))
    shuffled = data.draw(st.permutations(events + extra))
    assert fold(shuffled) == fold(events)
