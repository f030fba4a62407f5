"""The /webhooks REST API: thin routes that parse, call, answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pikit.app import ApiError
from pikit.auth import require
from webhooks import audit, domain, store
from webhooks.secretbox import SecretBox, SecretKeyError
from webhooks.sender import Refused, resolve_checked

# Admins only, reading included: a webhook URL often carries a credential of its own (Slack- and
# Teams-style URLs do), and the delivery log holds what receivers answered.
router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[require("admin")])

DeliveryStatus = Literal["pending", "succeeded", "failed"]


def _events(value: list[str]) -> list[str]:
    return list(dict.fromkeys(value))  # keep order, drop repeats


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(examples=["https://example.com/hooks/catalog"])
    events: list[domain.EventType] = Field(min_length=1, examples=[["product.created", "import.completed"]])
    enabled: bool = True
    description: str = Field("", max_length=500)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        return domain.validate_url(v)

    @field_validator("events")
    @classmethod
    def _ev(cls, v: list[str]) -> list[str]:
        return _events(v)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    events: list[domain.EventType] | None = Field(None, min_length=1)
    enabled: bool | None = None
    description: str | None = Field(None, max_length=500)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            raise ValueError("url cannot be null")
        return domain.validate_url(v)

    @field_validator("events")
    @classmethod
    def _ev(cls, v):
        if v is None:
            raise ValueError("events cannot be null")
        return _events(v)

    @field_validator("enabled", "description")
    @classmethod
    def _not_null(cls, v):
        if v is None:
            raise ValueError("cannot be null")
        return v


# --- answers (typed, for the OpenAPI document and the dashboard's generated types) ----------


class LastDelivery(BaseModel):
    event_type: str
    status_code: int | None
    latency_ms: int | None
    attempted_at: datetime
    success: bool
    error: str | None


class Endpoint(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None = Field(description="Why it was disabled automatically")
    description: str
    secret: str = Field(description="In full only in the answers of create and rotate-secret; masked otherwise")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then the secret before the last rotation also signs")
    failing_since: datetime | None = Field(description="First failed attempt of the current run of failures")
    created_at: datetime
    updated_at: datetime
    last_delivery: LastDelivery | None


class EndpointPage(BaseModel):
    items: list[Endpoint]
    total: int
    limit: int
    offset: int


class Attempt(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
    success: bool


class Delivery(BaseModel):
    id: uuid.UUID
    webhook_id: str = Field(description="The webhook-id header, the same on every attempt")
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    status_code: int | None
    latency_ms: int | None
    response_excerpt: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: list[Attempt] = Field(description="Every attempt, oldest first")


class DeliveryPage(BaseModel):
    items: list[Delivery]
    total: int
    limit: int
    offset: int


class PingResult(BaseModel):
    status_code: int | None
    response_time_ms: int
    response_excerpt: str | None
    error: str | None
    success: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _grace_end(row) -> datetime | None:
    end = row["previous_secret_expires_at"]
    return end if end is not None and end > datetime.now(UTC) else None


def _masked(secrets: SecretBox, ciphertext: str | None) -> str:
    """``whsec_********`` + the secret's last 4 characters (without them when it cannot be
    decrypted: the list still answers)."""
    try:
        return domain.mask_secret(secrets.decrypt(ciphertext) if ciphertext else "")
    except SecretKeyError:
        return domain.mask_secret("")


def endpoint_view(row, secrets: SecretBox, *, shown_secret: str | None = None) -> dict:
    """``shown_secret``: the secret in full (create and rotate-secret know it); else masked."""
    last = None
    if row["last_attempt_at"] is not None:
        last = {"event_type": row["event_type"], "status_code": row["last_status_code"],
                "latency_ms": row["last_latency_ms"], "attempted_at": _iso(row["last_attempt_at"]),
                "success": row["last_success"], "error": row["last_error"]}
    return {
        "id": str(row["id"]), "url": row["url"], "events": list(row["events"]), "enabled": row["enabled"],
        "disabled_reason": row["disabled_reason"], "description": row["description"],
        "secret": shown_secret if shown_secret is not None else _masked(secrets, row["secret_ciphertext"]),
        "previous_secret_expires_at": _iso(_grace_end(row)),
        "failing_since": _iso(row["failing_since"]),
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]), "last_delivery": last,
    }


def attempt_view(row) -> dict:
    return {"attempt": row["attempt"], "attempted_at": _iso(row["attempted_at"]), "status_code": row["status_code"],
            "latency_ms": row["latency_ms"], "response_excerpt": row["response_excerpt"], "error": row["error"],
            "success": row["success"]}


def delivery_view(row, attempts) -> dict:
    return {
        "id": str(row["id"]), "webhook_id": domain.webhook_id(row["id"]), "event_id": row["event_id"],
        "event_type": row["event_type"], "status": row["status"], "attempts": row["attempts"],
        "next_attempt_at": _iso(row["next_attempt_at"]) if row["status"] == "pending" else None,
        "last_attempt_at": _iso(row["last_attempt_at"]), "status_code": row["last_status_code"],
        "latency_ms": row["last_latency_ms"], "response_excerpt": row["last_response_excerpt"],
        "error": row["last_error"], "created_at": _iso(row["created_at"]), "finished_at": _iso(row["finished_at"]),
        "attempt_log": [attempt_view(a) for a in attempts],
    }


def _not_found(endpoint_id) -> ApiError:
    return ApiError(404, "not_found", f"No webhook endpoint {endpoint_id}.")


async def _check_destination(request: Request, url: str) -> None:
    try:
        await resolve_checked(url, request.app.state.settings.allow_private_networks)
    except Refused as exc:
        raise ApiError(422, "url_not_allowed", str(exc), fields=[{"field": "url", "message": str(exc)}]) from None


def _by(request: Request) -> dict:
    """Who the audit event names, and the request's correlation id."""
    return {"actor": request.state.principal.ref, "correlation_id": getattr(request.state, "correlation_id", None)}


async def _endpoint(request: Request, endpoint_id: uuid.UUID):
    async with request.app.state.pool.acquire() as conn:
        row = await store.get_endpoint(conn, endpoint_id)
    if row is None:
        raise _not_found(endpoint_id)
    return row


@router.get("", response_model=EndpointPage,
            summary="Webhook endpoints, oldest first, each with its last delivery attempt")
async def list_endpoints(request: Request, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                         offset: Annotated[int, Query(ge=0)] = 0):
    async with request.app.state.pool.acquire() as conn:
        rows, total = await store.list_endpoints(conn, limit, offset)
    secrets = request.app.state.secrets
    return {"items": [endpoint_view(r, secrets) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.post("", status_code=201, response_model=Endpoint,
             summary="Register an endpoint; the answer is the only one showing its secret",
             responses={422: {"description": "Invalid URL or event type, or a URL resolving to a "
                                             "private/loopback/link-local/metadata address"}})
async def create_endpoint(request: Request, body: EndpointIn, response: Response):
    await _check_destination(request, body.url)
    secrets, secret = request.app.state.secrets, domain.new_secret()
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await store.create_endpoint(conn, url=body.url, events=body.events, enabled=body.enabled,
                                          description=body.description, secret_ciphertext=secrets.encrypt(secret))
        await audit.publish(conn, audit.created(row, **_by(request)))
        row = await store.get_endpoint(conn, row["id"])
    response.headers["Location"] = f"/webhooks/{row['id']}"
    return endpoint_view(row, secrets, shown_secret=secret)


@router.get("/{endpoint_id}", response_model=Endpoint, summary="One endpoint (secret masked)", responses={404: {}})
async def get_endpoint(request: Request, endpoint_id: uuid.UUID):
    return endpoint_view(await _endpoint(request, endpoint_id), request.app.state.secrets)


@router.patch("/{endpoint_id}", response_model=Endpoint, summary="Change url, events, enabled or description",
              responses={404: {}, 422: {}})
async def update_endpoint(request: Request, endpoint_id: uuid.UUID, body: EndpointPatch):
    changes = body.model_dump(exclude_unset=True)
    if "url" in changes:
        await _check_destination(request, changes["url"])
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        before = await store.endpoint_for_update(conn, endpoint_id)
        if before is None:
            raise _not_found(endpoint_id)
        row = await store.update_endpoint(conn, endpoint_id, changes)
        if changed := domain.endpoint_changes(before, changes):  # a PATCH that changes nothing is not audited
            await audit.publish(conn, audit.updated(row, changed, **_by(request)))
    return endpoint_view(row, request.app.state.secrets)


@router.delete("/{endpoint_id}", status_code=204, summary="Remove an endpoint and its delivery log",
               responses={404: {}})
async def delete_endpoint(request: Request, endpoint_id: uuid.UUID):
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await store.delete_endpoint(conn, endpoint_id)
        if row is None:
            raise _not_found(endpoint_id)
        await audit.publish(conn, audit.deleted(row, **_by(request)))
    return Response(status_code=204)


@router.post("/{endpoint_id}/rotate-secret", response_model=Endpoint,
             summary="Replace the signing secret (the answer shows the new one); the old one also signs until "
                     "previous_secret_expires_at", responses={404: {}})
async def rotate_secret(request: Request, endpoint_id: uuid.UUID):
    secrets, secret = request.app.state.secrets, domain.new_secret()
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await store.rotate_secret(conn, endpoint_id, secrets.encrypt(secret),
                                        request.app.state.settings.secret_rotation_grace_seconds)
        if row is None:
            raise _not_found(endpoint_id)
        await audit.publish(conn, audit.secret_rotated(row, **_by(request)))
    return endpoint_view(row, secrets, shown_secret=secret)


@router.post("/{endpoint_id}/test", response_model=PingResult,
             summary="Send a webhook.test ping now and report how the endpoint answered "
                     "(at most WEBHOOKS_TEST_PINGS_PER_MINUTE a minute per principal)",
             responses={404: {}, 429: {"description": "Too many test pings: try again after Retry-After seconds"},
                        200: {"content": {"application/json": {"example": {
                 "status_code": 200, "response_time_ms": 42, "response_excerpt": "ok", "error": None,
                 "success": True}}}}})
async def test_endpoint(request: Request, endpoint_id: uuid.UUID):
    row = await _endpoint(request, endpoint_id)
    # Counted per principal once the endpoint exists: each ping is a request sent at once to a URL
    # the caller chose, so without a bound the API could be made to hammer someone else's server.
    await request.app.state.test_pings.hit(request.state.principal.ref, "Too many test pings.")
    secrets = request.app.state.secrets
    previous = row["previous_secret_ciphertext"] if _grace_end(row) is not None else None
    now = datetime.now(UTC)
    body = domain.payload(domain.TEST_EVENT, now, {"endpoint_id": str(endpoint_id),
                                                  "message": "Test ping from Product Importer"})
    result = await request.app.state.sender.send(row["url"], secrets.decrypt(row["secret_ciphertext"]),
                                                 domain.webhook_id(uuid.uuid4()), body,
                                                 secrets.decrypt(previous) if previous else None)
    return result.as_dict()


@router.get("/{endpoint_id}/deliveries", response_model=DeliveryPage,
            summary="The delivery log, newest first, with every attempt",
            responses={404: {}})
async def list_deliveries(request: Request, endpoint_id: uuid.UUID,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50,
                          offset: Annotated[int, Query(ge=0)] = 0,
                          status: Annotated[DeliveryStatus | None, Query()] = None):
    await _endpoint(request, endpoint_id)
    async with request.app.state.pool.acquire() as conn:
        rows, total = await store.list_deliveries(conn, endpoint_id, limit, offset, status)
        attempts = await store.attempts_of(conn, [r["id"] for r in rows])
    return {"items": [delivery_view(r, attempts.get(r["id"], [])) for r in rows], "total": total,
            "limit": limit, "offset": offset}


@router.get("/{endpoint_id}/deliveries/{delivery_id}", response_model=Delivery,
            summary="One delivery with every attempt",
            responses={404: {}})
async def get_delivery(request: Request, endpoint_id: uuid.UUID, delivery_id: uuid.UUID):
    async with request.app.state.pool.acquire() as conn:
        row = await store.get_delivery(conn, endpoint_id, delivery_id)
        if row is None:
            raise ApiError(404, "not_found", f"No delivery {delivery_id} for endpoint {endpoint_id}.")
        attempts = await store.attempts_of(conn, [row["id"]])
    return delivery_view(row, attempts.get(row["id"], []))


@router.post("/{endpoint_id}/deliveries/{delivery_id}/resend", status_code=202, response_model=Delivery,
             summary="Send a delivery again now (same webhook-id, a fresh round of retries)",
             responses={404: {}, 409: {"description": "The endpoint is disabled"}})
async def resend_delivery(request: Request, endpoint_id: uuid.UUID, delivery_id: uuid.UUID):
    endpoint = await _endpoint(request, endpoint_id)
    if not endpoint["enabled"]:
        raise ApiError(409, "endpoint_disabled", "Enable the endpoint before re-sending its deliveries.")
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await store.resend(conn, endpoint_id, delivery_id)
        if row is None:
            raise ApiError(404, "not_found", f"No delivery {delivery_id} for endpoint {endpoint_id}.")
        attempts = await store.attempts_of(conn, [row["id"]])
    return delivery_view(row, attempts.get(row["id"], []))
