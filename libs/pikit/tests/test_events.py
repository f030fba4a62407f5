"""The event contract: envelopes round-trip, unknown fields survive, the AsyncAPI doc is current."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from pikit.events import (EVENT_TYPES, ImportBatchDone, UnknownEventType, asyncapi_document, decode, encode,
                          new_event)

DOC = Path(__file__).parents[3] / "docs" / "asyncapi.json"


def test_an_event_round_trips_with_its_cloudevents_attributes():
    envelope = new_event(ImportBatchDone(job_id="j", batch_no=1, rows=2, inserted=1, updated=1), source="catalog",
                         correlation_id="c-1")
    raw = json.loads(encode(envelope))
    assert {k: raw[k] for k in ("specversion", "source", "type", "subject", "correlation_id")} == {
        "specversion": "1.0", "source": "catalog", "type": "import.batch_done", "subject": "j",
        "correlation_id": "c-1"}
    again, body = decode(encode(envelope))
    assert again.id == envelope.id and isinstance(body, ImportBatchDone) and body.rows == 2


def test_unknown_fields_are_kept_and_unknown_types_refused():
    raw = orjson.dumps({"specversion": "1.0", "id": "1", "source": "x", "type": "import.cancelled",
                        "data": {"job_id": "j", "newer_field": 5}, "traceparent": "abc"})
    envelope, body = decode(raw)
    assert body.model_extra == {"newer_field": 5} and envelope.model_extra == {"traceparent": "abc"}
    with pytest.raises(UnknownEventType):
        decode(raw.replace(b"import.cancelled", b"import.exploded"))


def test_the_published_asyncapi_document_matches_the_models():
    document = asyncapi_document()
    assert set(document["channels"]) == {name.replace(".", "_") for name in EVENT_TYPES}
    assert json.loads(DOC.read_text()) == json.loads(orjson.dumps(document)), \
        "docs/asyncapi.json is stale: run `uv run python -m pikit.events > docs/asyncapi.json`"
