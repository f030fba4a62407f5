"""The audit events of endpoint changes (``webhook.created``, ``.updated``, ``.deleted``,
``.secret_rotated``), for the accounts service's audit log. Each is written to this schema's
outbox in the transaction of the change it reports, so there is no change without its event
and no event without its change; the outbox relay in ``python -m webhooks consume`` publishes
them. No webhook is sent about webhooks: the dispatcher's consumer is not bound to these types.

URLs are redacted (``domain.redact_url``): a webhook URL often carries a credential of its own,
and the audit log is kept longer, and shown more widely, than the endpoint.
"""

from __future__ import annotations

from typing import Any

from pikit import outbox
from pikit.events import (Envelope, WebhookCreated, WebhookDeleted, WebhookSecretRotated, WebhookUpdated,
                          new_event)
from webhooks import domain, store

SOURCE = "webhooks"
#: Who disables an endpoint whose deliveries have failed for too long.
SYSTEM = "system:webhooks"


def _event(body, endpoint_id, actor: str | None, correlation_id: str | None) -> Envelope:
    return new_event(body, source=SOURCE, subject=str(endpoint_id), principal=actor, correlation_id=correlation_id)


def created(row, actor: str, correlation_id: str | None = None) -> Envelope:
    return _event(WebhookCreated(endpoint_id=str(row["id"]), url=domain.redact_url(row["url"]),
                                 events=list(row["events"]), enabled=row["enabled"]),
                  row["id"], actor, correlation_id)


def updated(row, changes: dict[str, Any], actor: str, correlation_id: str | None = None) -> Envelope:
    """``row``: the endpoint after the change; ``changes``: ``domain.endpoint_changes``."""
    return _event(WebhookUpdated(endpoint_id=str(row["id"]), url=domain.redact_url(row["url"]), changes=changes),
                  row["id"], actor, correlation_id)


def deleted(row, actor: str, correlation_id: str | None = None) -> Envelope:
    return _event(WebhookDeleted(endpoint_id=str(row["id"]), url=domain.redact_url(row["url"])),
                  row["id"], actor, correlation_id)


def secret_rotated(row, actor: str, correlation_id: str | None = None) -> Envelope:
    return _event(WebhookSecretRotated(endpoint_id=str(row["id"]), url=domain.redact_url(row["url"])),
                  row["id"], actor, correlation_id)


def disabled_automatically(endpoint_id, url: str, reason: str) -> Envelope:
    """The dispatcher turned the endpoint off (every delivery failed for too long): a change of
    ``enabled`` like an admin's, made by the system, with the reason."""
    return _event(WebhookUpdated(endpoint_id=str(endpoint_id), url=domain.redact_url(url),
                                 changes={"enabled": {"old": True, "new": False}}, reason=reason),
                  endpoint_id, SYSTEM, None)


async def publish(conn, *envelopes: Envelope) -> None:
    """In the caller's transaction (the change's)."""
    await outbox.enqueue(conn, store.SCHEMA, *envelopes)
