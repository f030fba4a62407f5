"""Pure rules of the webhooks service: event types, secrets, URL and address checks, what the
audit events say, payloads, webhook ids, the retry schedule. No I/O here."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import orjson

EVENT_TYPES: tuple[str, ...] = (
    "product.created",
    "product.updated",
    "product.deleted",
    "products.bulk_deleted",
    "import.started",
    "import.completed",
    "import.failed",
)
EventType = Literal[
    "product.created", "product.updated", "product.deleted", "products.bulk_deleted",
    "import.started", "import.completed", "import.failed",
]
TEST_EVENT = "webhook.test"

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
MAX_URL_LENGTH = 2048


# --- secrets --------------------------------------------------------------


def new_secret() -> str:
    """``whsec_`` + base64 of 24 random bytes (the Standard Webhooks secret format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def mask_secret(secret: str) -> str:
    return f"{SECRET_PREFIX}{'*' * 8}{secret[-4:]}"


# --- URLs and addresses ---------------------------------------------------


def validate_url(url: str) -> str:
    """An absolute http(s) URL with a host; raises ValueError saying what is wrong."""
    url = url.strip()
    if not url:
        raise ValueError("url is required")
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"url is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() for c in url):
        raise ValueError("url must not contain spaces")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("url must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("url has no host")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise ValueError("url has an invalid port") from None
    return url


REDACTED = "..."


def redact_url(url: str) -> str:
    """The URL as the audit events name it, without the credentials a URL often carries: no
    userinfo, every query value (and a query part without ``=``, which may be a token itself)
    and the fragment replaced by ``...``; scheme, host, port, path and query keys are kept.
    ``https://u:p@hooks.example.com/in?token=abc#x`` -> ``https://hooks.example.com/in?token=...#...``.
    A credential in the path itself (Slack's ``/services/T0/B0/<token>``) is not recognised."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    query = []
    for part in parts.query.split("&") if parts.query else []:
        key, sep, _ = part.partition("=")
        query.append(f"{key}={REDACTED}" if sep else REDACTED if part else "")
    return urlunsplit((parts.scheme, host, parts.path, "&".join(query), REDACTED if parts.fragment else ""))


# What an endpoint change says in its audit event (``webhook.updated``).
AUDITED_FIELDS = ("url", "events", "enabled", "description")


def endpoint_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old", "new"}}`` of the audited fields that ``new`` changes (URLs redacted);
    fields set to the value they had are left out, and so are the same events in another order.
    A URL whose only change is in a redacted part still counts: it changed, the event just
    cannot say how."""
    changes = {}
    for name in AUDITED_FIELDS:
        if name not in new:
            continue
        before, after = old[name], new[name]
        if name == "events":
            if set(before) == set(after):
                continue
            before, after = list(before), list(after)
        elif before == after:
            continue
        if name == "url":
            before, after = redact_url(before), redact_url(after)
        changes[name] = {"old": before, "new": after}
    return changes


# Cloud instance-metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS task metadata,
# Alibaba, Oracle). Most are link-local anyway; listed so the reason given is the right one.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200", "192.0.0.192",
))


def address_refusal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a webhook may not be sent to this address (None: it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "an address that is not publicly routable"
    return None


# --- deliveries -----------------------------------------------------------


def delivery_id(event_id: str, endpoint_id: uuid.UUID | str) -> uuid.UUID:
    """Deterministic: the same event for the same endpoint is always the same delivery.
    (store.create_deliveries computes the same value in SQL: md5(event_id || '/' || endpoint_id).)"""
    return uuid.UUID(hashlib.md5(f"{event_id}/{endpoint_id}".encode()).hexdigest())


def webhook_id(delivery: uuid.UUID | str) -> str:
    """The ``webhook-id`` header: stable across attempts and re-sends of a delivery."""
    return f"msg_{uuid.UUID(str(delivery)).hex}"


def payload(event_type: str, timestamp: datetime, data: dict[str, Any]) -> str:
    """The body sent: ``{type, timestamp, data}`` (Standard Webhooks), serialised once."""
    return orjson.dumps({"type": event_type, "timestamp": timestamp.isoformat(), "data": data}).decode()


def retry_delay(attempts_in_round: int, schedule: tuple[float, ...], jitter: float, rand: float) -> float | None:
    """Seconds to wait after failed attempt number ``attempts_in_round`` (1-based), or None when
    it was the last. ``rand`` in [0, 1) spreads the wait by +/- ``jitter``."""
    if attempts_in_round < 1 or attempts_in_round > len(schedule):
        return None
    return max(0.0, schedule[attempts_in_round - 1] * (1 + jitter * (2 * rand - 1)))


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def excerpt(raw: bytes, limit: int) -> str:
    return raw[:limit].decode("utf-8", errors="replace")
