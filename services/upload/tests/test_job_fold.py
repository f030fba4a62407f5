"""The job is a fold over its events: any order, any duplicates, same job."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from upload import domain

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def job() -> dict:
    return domain.new_job("j1", "products.csv", T0, size_bytes=100, sha256="ab")


def event(kind: str, seconds: int, **data) -> tuple[str, dict, datetime]:
    return f"import.{kind}", {"job_id": "j1", **data}, T0 + timedelta(seconds=seconds)


VALIDATED = event("validated", 3, rows_total=10, valid=9, invalid=1, duplicates=2, rows_to_import=7, batches=3,
                  encoding="utf-8", delimiter=",", unknown_columns=[], error_report_key="errors/j1.csv")
BATCHES = [event("batch_done", 4 + n, batch_no=n, rows=rows, inserted=ins, updated=upd)
           for n, (rows, ins, upd) in enumerate([(3, 3, 0), (3, 1, 2), (1, 1, 0)])]
STREAM = [event("started", 1), event("progress", 2, stage="validating"), VALIDATED, *BATCHES]


def fold_all(events) -> dict:
    state = job()
    for kind, data, at in events:
        state = domain.fold(state, kind, data, at)
    return state


def test_a_job_starts_queued_and_walks_the_stages():
    assert domain.status(job()) == "queued"
    assert domain.status(fold_all(STREAM[:1])) == "parsing"
    assert domain.status(fold_all(STREAM[:2])) == "validating"
    assert domain.status(fold_all(STREAM[:3])) == "importing"


def test_counts_are_sums_over_batches_and_the_job_is_complete_when_all_are_done():
    state = fold_all(STREAM)
    view = domain.view(state)
    assert (view["rows_processed"], view["inserted"], view["updated"]) == (7, 5, 2)
    assert (view["rows_total"], view["invalid"], view["duplicates"]) == (10, 1, 2)
    assert domain.is_complete(state)
    assert not domain.is_complete(fold_all(STREAM[:-1]))


def test_any_order_of_the_events_folds_to_the_same_state():
    expected = domain.view(fold_all(STREAM))
    for order in itertools.islice(itertools.permutations(STREAM), 0, None, 37):
        assert domain.view(fold_all(order)) == expected


def test_duplicated_events_count_once():
    rng = random.Random(7)
    noisy = STREAM + rng.choices(STREAM, k=10)
    rng.shuffle(noisy)
    assert domain.view(fold_all(noisy)) == domain.view(fold_all(STREAM))


def test_batches_reported_before_validation_wait_for_it():
    state = fold_all(BATCHES)
    assert not domain.is_complete(state)  # the number of batches is not known yet
    assert domain.is_complete(domain.fold(state, *VALIDATED))


def test_a_file_with_no_valid_rows_is_complete_once_validated():
    empty = event("validated", 3, rows_total=2, valid=0, invalid=2, duplicates=0, rows_to_import=0, batches=0,
                  encoding="utf-8", delimiter=",")
    assert domain.is_complete(fold_all([empty]))


def test_terminal_states_are_final_and_ranked_whatever_the_order():
    completed = event("completed", 9, rows_total=10, inserted=5, updated=2, invalid=1, duplicates=2)
    cancelled = event("cancelled", 8)
    failed = event("failed", 7, error={"code": "x", "message": "boom"})
    for order in itertools.permutations([completed, cancelled, failed]):
        state = fold_all([*STREAM, *order])
        assert domain.status(state) == "cancelled"
        assert domain.status(domain.fold(state, *event("progress", 20, stage="importing"))) == "cancelled"
    state = fold_all([failed, *STREAM])
    assert domain.status(state) == "failed" and state["error"] == {"code": "x", "message": "boom"}
    assert not domain.is_complete(state)


def test_only_progress_events_that_reach_a_new_stage_are_kept():
    state = fold_all(STREAM[:2])
    assert not domain.advances(state, "import.progress", {"stage": "validating"})
    assert not domain.advances(state, "import.progress", {"stage": "parsing"})
    assert domain.advances(state, "import.progress", {"stage": "importing"})
    assert domain.advances(state, "import.batch_done", {})


def test_cancel_and_retry_rules():
    running, failed = fold_all(STREAM[:2]), fold_all([event("failed", 1, error={"code": "c", "message": "m"})])
    assert domain.can_cancel(running) and not domain.can_retry(running)
    assert not domain.can_cancel(failed) and domain.can_retry(failed)
    assert not domain.can_retry(fold_all([*STREAM, event("completed", 9)]))
