"""The event contract: one pydantic model per message type, in a CloudEvents 1.0 envelope.

Every service imports its messages from here, so a change to the contract is one
diff in one place. Bodies keep unknown fields (``extra="allow"``) so an older
consumer passes newer fields through; unknown types are parked by the bus.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from pikit import context


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes plus the extensions ``correlation_id`` and ``principal`` (who
    started the work: ``user:ops@example.com``, ``key:ci-nightly``); ``data`` is the typed body.
    Absent attributes are left out of the JSON, never sent as null."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime = Field(default_factory=utcnow)
    subject: str | None = None
    datacontenttype: str = "application/json"
    correlation_id: str | None = None
    principal: str | None = None
    data: dict[str, Any]


class Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class JobBody(Body):
    job_id: str


# --- upload ---------------------------------------------------------------


class ImportRequested(JobBody):
    filename: str
    storage_key: str
    size_bytes: int
    sha256: str
    retry_of: str | None = None


class ImportCancelRequested(JobBody):
    pass


class ImportCancelled(JobBody):
    reason: str = "cancelled by user"


class ImportCompleted(JobBody):
    rows_total: int
    inserted: int
    updated: int
    invalid: int
    duplicates: int
    duration_ms: int | None = None


# --- import-worker --------------------------------------------------------

Stage = Literal["parsing", "validating", "importing"]


class ImportStarted(JobBody):
    attempt: int = 1
    bytes_total: int | None = None


class ImportProgress(JobBody):
    stage: Stage
    rows_read: int = 0
    bytes_read: int = 0
    bytes_total: int | None = None
    batches_sent: int = 0
    batches_total: int | None = None


class ImportValidated(JobBody):
    rows_total: int  # data records in the file (blank lines excluded)
    valid: int
    invalid: int
    duplicates: int  # valid rows superseded by a later row with the same SKU
    rows_to_import: int
    batches: int
    encoding: str
    delimiter: str
    unknown_columns: list[str] = []
    error_report_key: str | None = None


class ImportFailedError(Body):
    code: str
    message: str


class ImportFailed(JobBody):
    error: ImportFailedError


# --- catalog --------------------------------------------------------------

# One row of an upsert batch: (row_no, sku, name, description, price, active).
# Columns absent from the file are absent from ``columns`` and keep stored values.
BatchRow = tuple[int, str, str, str | None, str | None, bool | None]


class UpsertBatch(JobBody):
    """Command to the catalog: apply these rows (disjoint SKUs across a job's batches)."""

    batch_no: int
    columns: list[str]
    rows: list[BatchRow]
    #: Rows the whole job applies, on every batch (the catalog may load a big job in bulk).
    rows_to_import: int | None = None


class ProductRefs(Body):
    """Products as two parallel arrays: thousands per batch stay cheap to build and parse."""

    ids: list[int] = []
    skus: list[str] = []


class ImportBatchDone(JobBody):
    batch_no: int
    rows: int
    inserted: int
    updated: int
    unchanged: int = 0
    skipped: bool = False  # the job was cancelled before this batch was applied
    created: ProductRefs = ProductRefs()
    changed: ProductRefs = ProductRefs()  # updated with at least one value different


class Product(Body):
    id: int
    sku: str
    name: str
    description: str | None = None
    price: str | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ProductCreated(Body):
    product: Product


class ProductUpdated(Body):
    product: Product
    changes: dict[str, Any]  # field -> {"old": ..., "new": ...}


class ProductDeleted(Body):
    product: Product


class ProductsBulkDeleted(Body):
    count: int


# --- accounts -------------------------------------------------------------

AccountRole = Literal["viewer", "editor", "admin"]


class UserCreated(Body):
    user_id: str
    email: str
    role: AccountRole


class UserUpdated(Body):
    user_id: str
    email: str
    changes: dict[str, Any]  # field -> {"old": ..., "new": ...} (role, disabled)


class UserPasswordReset(Body):
    user_id: str
    email: str


class ApiKeyCreated(Body):
    key_id: str
    name: str
    role: AccountRole
    prefix: str  # the key's first characters, to recognise it by; never the key


class ApiKeyRevoked(Body):
    key_id: str
    name: str
    role: AccountRole


# --- webhooks (for the audit log; no webhook is sent about webhooks) --------


class WebhookEndpointEvent(Body):
    endpoint_id: str
    url: str  # without credentials or query values (a URL can carry a token)


class WebhookCreated(WebhookEndpointEvent):
    events: list[str]
    enabled: bool


class WebhookUpdated(WebhookEndpointEvent):
    changes: dict[str, Any]  # field -> {"old": ..., "new": ...}
    reason: str | None = None  # why, when the system made the change (an endpoint failing for days)


class WebhookDeleted(WebhookEndpointEvent):
    pass


class WebhookSecretRotated(WebhookEndpointEvent):
    pass


EVENT_TYPES: dict[str, type[Body]] = {
    "import.requested": ImportRequested,
    "import.cancel_requested": ImportCancelRequested,
    "import.cancelled": ImportCancelled,
    "import.completed": ImportCompleted,
    "import.started": ImportStarted,
    "import.progress": ImportProgress,
    "import.validated": ImportValidated,
    "import.failed": ImportFailed,
    "catalog.upsert_batch": UpsertBatch,
    "import.batch_done": ImportBatchDone,
    "product.created": ProductCreated,
    "product.updated": ProductUpdated,
    "product.deleted": ProductDeleted,
    "products.bulk_deleted": ProductsBulkDeleted,
    "user.created": UserCreated,
    "user.updated": UserUpdated,
    "user.password_reset": UserPasswordReset,
    "api_key.created": ApiKeyCreated,
    "api_key.revoked": ApiKeyRevoked,
    "webhook.created": WebhookCreated,
    "webhook.updated": WebhookUpdated,
    "webhook.deleted": WebhookDeleted,
    "webhook.secret_rotated": WebhookSecretRotated,
}

TYPE_OF_MODEL: dict[type[Body], str] = {model: name for name, model in EVENT_TYPES.items()}


class UnknownEventType(Exception):
    pass


def new_event(
    body: Body,
    *,
    source: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    principal: str | None = None,
) -> Envelope:
    """Wrap a typed body in an envelope; the subject defaults to the job id, the principal to the
    one whose request or message is being handled (``pikit.context``)."""
    if subject is None:
        subject = getattr(body, "job_id", None)
    return Envelope(
        source=source,
        type=TYPE_OF_MODEL[type(body)],
        subject=subject,
        correlation_id=correlation_id,
        principal=principal if principal is not None else context.principal.get(),
        data=body.model_dump(mode="json"),
    )


def encode(envelope: Envelope, data: dict[str, Any] | None = None) -> bytes:
    """Serialise; ``data`` given apart skips pydantic on large bodies already made of JSON types."""
    if data is None:
        return orjson.dumps(envelope.model_dump(mode="json", exclude_none=True))
    return orjson.dumps({**envelope.model_dump(mode="json", exclude={"data"}, exclude_none=True), "data": data})


def decode(raw: bytes) -> tuple[Envelope, Body]:
    """Parse an envelope and validate its body; unknown types raise UnknownEventType."""
    envelope = Envelope.model_validate(orjson.loads(raw))
    model = EVENT_TYPES.get(envelope.type)
    if model is None:
        raise UnknownEventType(envelope.type)
    return envelope, model.model_validate(envelope.data)


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3 description of every message, generated from the models above."""
    messages = {}
    channels = {}
    for name, model in EVENT_TYPES.items():
        key = name.replace(".", "_")
        messages[key] = {
            "name": name,
            "contentType": "application/json",
            "headers": Envelope.model_json_schema(),
            "payload": model.model_json_schema(),
        }
        channels[key] = {"address": name, "messages": {key: {"$ref": f"#/components/messages/{key}"}}}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Product Importer events", "version": "1.0.0"},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }


if __name__ == "__main__":  # python -m pikit.events > docs/asyncapi.json
    print(orjson.dumps(asyncapi_document(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())
