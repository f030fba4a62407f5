"""The webhooks service as its own processes (API + consumer) against the real PostgreSQL and
RabbitMQ, delivering to a real HTTP receiver on 127.0.0.1 that verifies every signature."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid

import asyncpg
import pytest

from pikit.events import (ImportCompleted, ImportFailed, ImportFailedError, ImportStarted, Product, ProductCreated,
                          ProductDeleted, ProductsBulkDeleted, ProductUpdated, new_event)

from webhooks.domain import new_secret as domain_new_secret

pytestmark = pytest.mark.asyncio(loop_scope="session")


def product_created(n: int = 1):
    return new_event(ProductCreated(product=Product(id=n, sku=f"SKU-{n}", name=f"Product {n}")), source="test")


def product_updated(n: int = 1):
    return new_event(ProductUpdated(product=Product(id=n, sku=f"SKU-{n}", name="New"),
                                    changes={"name": {"old": "Old", "new": "New"}}), source="test")


def product_deleted(n: int = 1):
    return new_event(ProductDeleted(product=Product(id=n, sku=f"SKU-{n}", name="Gone")), source="test")


def import_failed():
    return new_event(ImportFailed(job_id=str(uuid.uuid4()), error=ImportFailedError(code="x", message="boom")),
                     source="test")


async def deliveries(api, endpoint_id: str, **params) -> dict:
    response = await api.get(f"/webhooks/{endpoint_id}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_deliveries_arrive_signed_for_subscribed_types_only(api, bus, endpoints, wait_until):
    wanted = await endpoints("/subscribed", ["product.created", "import.completed"])
    other = await endpoints("/other", ["product.updated"])
    disabled = await endpoints("/disabled", ["product.created"], enabled=False)

    created, updated = product_created(7), product_updated(7)
    completed = new_event(ImportCompleted(job_id=str(uuid.uuid4()), rows_total=3, inserted=3, updated=0,
                                          invalid=0, duplicates=0), source="test")
    for envelope in [created, updated, completed,
                     new_event(ProductsBulkDeleted(count=3), source="test"),
                     new_event(ImportStarted(job_id=str(uuid.uuid4())), source="test"),
                     created]:  # the same message again, as a redelivery would bring it
        await bus.publish(envelope)

    await wait_until(lambda: len(wanted["route"].requests) >= 2 and len(other["route"].requests) >= 1)
    await asyncio.sleep(1.0)  # anything extra (duplicates, other types) would arrive by now

    got = wanted["route"].requests
    assert sorted(r.json["type"] for r in got) == ["import.completed", "product.created"]
    assert all(r.verified for r in got), "every request carries a valid Standard Webhooks signature"
    by_type = {r.json["type"]: r for r in got}
    assert by_type["product.created"].json["data"] == created.data
    assert by_type["import.completed"].json["data"] == completed.data
    assert by_type["product.created"].json["timestamp"] == created.time.isoformat()
    for r in got:
        assert r.headers["webhook-signature"].startswith("v1,")
        assert abs(int(r.headers["webhook-timestamp"]) - time.time()) < 60
        assert r.headers["content-type"] == "application/json"
    assert [r.json["type"] for r in other["route"].requests] == ["product.updated"]
    assert other["route"].requests[0].verified
    assert disabled["route"].requests == []

    log = await deliveries(api, wanted["id"])
    assert log["total"] == 2
    assert {d["webhook_id"] for d in log["items"]} == {r.webhook_id for r in got}
    assert [d["created_at"] for d in log["items"]] == sorted((d["created_at"] for d in log["items"]), reverse=True)
    for d in log["items"]:
        assert (d["status"], d["attempts"], d["status_code"], d["response_excerpt"]) == ("succeeded", 1, 200, "ok")
        assert d["attempt_log"][0]["success"] is True and d["attempt_log"][0]["latency_ms"] >= 0
    assert (await deliveries(api, disabled["id"]))["total"] == 0

    listed = {e["id"]: e for e in (await api.get("/webhooks")).json()["items"]}
    last = listed[wanted["id"]]["last_delivery"]
    assert last["success"] is True and last["status_code"] == 200 and last["latency_ms"] >= 0
    assert last["attempted_at"] is not None
    assert listed[disabled["id"]]["last_delivery"] is None


async def test_500_twice_then_200_is_three_attempts_with_the_same_webhook_id(api, bus, endpoints, wait_until):
    endpoint = await endpoints("/flaky", ["product.deleted"], statuses=[500, 500, 200])
    await bus.publish(product_deleted(1))

    async def succeeded():
        items = (await deliveries(api, endpoint["id"]))["items"]
        return items and items[0]["status"] == "succeeded" and items[0]

    delivery = await wait_until(succeeded)
    requests = endpoint["route"].requests
    assert len(requests) == 3
    assert all(r.verified for r in requests)
    assert len({r.webhook_id for r in requests}) == 1 and requests[0].webhook_id == delivery["webhook_id"]
    assert len({r.body for r in requests}) == 1
    gaps = [b.at - a.at for a, b in zip(requests, requests[1:])]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.3, gaps  # 0.2 s then 0.4 s, +/- 20 % jitter

    assert delivery["attempts"] == 3
    log = delivery["attempt_log"]
    assert [(a["attempt"], a["status_code"], a["success"]) for a in log] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]
    assert log[0]["response_excerpt"] == "answer 500" and log[0]["error"] == "HTTP 500"
    assert all(a["latency_ms"] >= 0 and a["attempted_at"] for a in log)
    endpoint_now = (await api.get(f"/webhooks/{endpoint['id']}")).json()
    assert endpoint_now["enabled"] and endpoint_now["failing_since"] is None


async def test_a_hanging_receiver_times_out_without_holding_up_another(api, bus, endpoints, wait_until):
    hanging = await endpoints("/hang", ["product.updated"], delay=30)
    quick = await endpoints("/quick", ["product.updated"])
    for n in range(6):
        await bus.publish(product_updated(100 + n))

    await wait_until(lambda: len(quick["route"].requests) == 6, timeout=10)
    await wait_until(lambda: len(hanging["route"].requests) == 4, timeout=1)
    # all six reached the quick endpoint while the first attempts to the hanging one still hang
    hanging_log = await deliveries(api, hanging["id"])
    assert hanging_log["total"] == 6
    assert all(d["attempts"] == 0 for d in hanging_log["items"]), hanging_log
    assert len(hanging["route"].requests) == 4  # at most 4 in flight per endpoint in this stack

    async def timed_out():
        items = (await deliveries(api, hanging["id"]))["items"]
        return [d for d in items if d["attempts"] >= 1]

    first = (await wait_until(timed_out, timeout=10))[0]["attempt_log"][0]
    assert first["success"] is False and first["status_code"] is None
    assert "timeout" in first["error"] and first["latency_ms"] >= 1400
    assert all(d["status"] == "succeeded" for d in (await deliveries(api, quick["id"]))["items"])


async def test_an_endpoint_failing_for_the_configured_time_is_disabled(api, bus, endpoints, wait_until,
                                                                       audit_events):
    endpoint = await endpoints("/broken", ["import.failed"], statuses=[503])
    await bus.publish(import_failed())

    async def failed():
        items = (await deliveries(api, endpoint["id"]))["items"]
        return items and items[0]["status"] == "failed" and items[0]

    delivery = await wait_until(failed)
    assert delivery["attempts"] == 4  # the first attempt and three retries (0.2, 0.4, 0.8 s)
    assert [a["status_code"] for a in delivery["attempt_log"]] == [503] * 4
    state = (await api.get(f"/webhooks/{endpoint['id']}")).json()
    assert state["enabled"] and state["failing_since"] is not None  # failing, not for 3 s yet

    await asyncio.sleep(3)
    await bus.publish(import_failed())

    async def disabled():
        e = (await api.get(f"/webhooks/{endpoint['id']}")).json()
        return not e["enabled"] and e

    state = await wait_until(disabled)
    assert state["disabled_reason"].startswith("disabled automatically") and "HTTP 503" in state["disabled_reason"]
    # an endpoint change like an admin's, in the audit log: made by the system, with the reason
    disabling = await wait_until(lambda: [e for e in audit_events if e.subject == endpoint["id"]
                                          and e.type == "webhook.updated"])
    assert len(disabling) == 1 and disabling[0].principal == "system:webhooks"
    assert disabling[0].data["changes"] == {"enabled": {"old": True, "new": False}}
    assert disabling[0].data["reason"] == state["disabled_reason"]
    sent = len(endpoint["route"].requests)
    await bus.publish(import_failed())
    await asyncio.sleep(1)
    assert len(endpoint["route"].requests) == sent  # a disabled endpoint gets nothing new

    enabled = (await api.patch(f"/webhooks/{endpoint['id']}", json={"enabled": True})).json()
    assert enabled["enabled"] and enabled["disabled_reason"] is None and enabled["failing_since"] is None


async def test_test_ping_and_resend(api, bus, endpoints, receiver, wait_until):
    ok = await endpoints("/ping", ["products.bulk_deleted"])
    answer = (await api.post(f"/webhooks/{ok['id']}/test")).json()
    assert answer["success"] is True and answer["status_code"] == 200 and answer["response_excerpt"] == "ok"
    assert answer["error"] is None and isinstance(answer["response_time_ms"], int)
    ping = ok["route"].requests[-1]
    assert ping.verified and ping.json["type"] == "webhook.test" and ping.json["data"]["endpoint_id"] == ok["id"]

    moved = await endpoints("/moved", ["products.bulk_deleted"], statuses=[302], location=receiver.url("/ping"))
    answer = (await api.post(f"/webhooks/{moved['id']}/test")).json()
    assert answer["success"] is False and answer["status_code"] == 302 and "redirect" in answer["error"]
    assert len(ok["route"].requests) == 1  # the redirect was not followed

    closed = await api.post("/webhooks", json={"url": "http://127.0.0.1:9/nothing", "events": ["import.failed"]})
    closed_id = closed.json()["id"]
    try:
        answer = (await api.post(f"/webhooks/{closed_id}/test")).json()
        assert answer["success"] is False and answer["status_code"] is None and answer["error"]
    finally:
        await api.delete(f"/webhooks/{closed_id}")

    # a delivery that failed all four attempts, sent again once the receiver works
    fixed = await endpoints("/later", ["products.bulk_deleted"], statuses=[500, 500, 500, 500, 200])
    await bus.publish(new_event(ProductsBulkDeleted(count=2), source="test"))

    async def failed():
        items = (await deliveries(api, fixed["id"]))["items"]
        return items and items[0]["status"] == "failed" and items[0]

    delivery = await wait_until(failed)
    response = await api.post(f"/webhooks/{fixed['id']}/deliveries/{delivery['id']}/resend")
    assert response.status_code == 202 and response.json()["status"] == "pending"

    async def succeeded():
        d = (await api.get(f"/webhooks/{fixed['id']}/deliveries/{delivery['id']}")).json()
        return d["status"] == "succeeded" and d

    final = await wait_until(succeeded)
    assert final["attempts"] == 5 and [a["status_code"] for a in final["attempt_log"]] == [500] * 4 + [200]
    assert len({r.webhook_id for r in fixed["route"].requests}) == 1
    assert (await api.post(f"/webhooks/{fixed['id']}/deliveries/{uuid.uuid4()}/resend")).status_code == 404


async def stored_row(webhook_stack, endpoint_id: str) -> str:
    """The endpoint's row in the table, as one text."""
    conn = await asyncpg.connect(webhook_stack.database_url)
    try:
        return await conn.fetchval("SELECT e::text FROM webhooks.endpoints e WHERE id = $1", uuid.UUID(endpoint_id))
    finally:
        await conn.close()


async def test_the_secret_is_shown_only_on_create_and_rotate(api, endpoints, receiver, webhook_stack):
    endpoint = await endpoints("/secret", ["product.created"])
    secret = endpoint["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert secret[6:] not in await stored_row(webhook_stack, endpoint["id"])  # encrypted at rest

    shown = (await api.get(f"/webhooks/{endpoint['id']}")).json()["secret"]
    listed = {e["id"]: e for e in (await api.get("/webhooks")).json()["items"]}[endpoint["id"]]["secret"]
    patched = (await api.patch(f"/webhooks/{endpoint['id']}", json={"description": "x"})).json()["secret"]
    for masked in (shown, listed, patched):
        assert masked != secret and secret[6:-4] not in masked and masked.endswith(secret[-4:])

    rotation = (await api.post(f"/webhooks/{endpoint['id']}/rotate-secret")).json()
    rotated = rotation["secret"]
    assert rotated.startswith("whsec_") and rotated != secret and rotation["previous_secret_expires_at"]
    assert (await api.get(f"/webhooks/{endpoint['id']}")).json()["secret"].endswith(rotated[-4:])
    row = await stored_row(webhook_stack, endpoint["id"])
    assert secret[6:] not in row and rotated[6:] not in row

    # during the grace period both secrets sign: receivers that still hold the old one verify
    await api.post(f"/webhooks/{endpoint['id']}/test")
    request = endpoint["route"].requests[-1]
    assert request.verified is True  # with the old secret
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    endpoint["route"].secret = rotated
    await api.post(f"/webhooks/{endpoint['id']}/test")
    assert endpoint["route"].requests[-1].verified is True
    endpoint["route"].secret = domain_new_secret()
    await api.post(f"/webhooks/{endpoint['id']}/test")
    assert endpoint["route"].requests[-1].verified is False  # and a wrong secret does not
    assert (await api.post(f"/webhooks/{uuid.uuid4()}/rotate-secret")).status_code == 404


async def test_crud_and_validation(api, receiver):
    url = receiver.url("/crud")
    bad = [
        ({"url": "ftp://example.com/x", "events": ["product.created"]}, "url"),
        ({"url": "http://", "events": ["product.created"]}, "url"),
        ({"url": url, "events": ["product.exploded"]}, "events.0"),
        ({"url": url, "events": []}, "events"),
        ({"events": ["product.created"]}, "url"),
        ({"url": url, "events": ["product.created"], "secret": "mine"}, "secret"),
    ]
    for body, field in bad:
        response = await api.post("/webhooks", json=body)
        assert response.status_code == 422, body
        error = response.json()["error"]
        assert error["code"] == "validation_error" and field in [f["field"] for f in error["fields"]], error

    created = await api.post("/webhooks", json={"url": url, "events": ["product.created", "product.created",
                                                                      "import.failed"], "description": "crud"})
    assert created.status_code == 201 and created.headers["location"] == f"/webhooks/{created.json()['id']}"
    endpoint = created.json()
    assert endpoint["events"] == ["product.created", "import.failed"] and endpoint["enabled"] is True
    eid = endpoint["id"]
    try:
        got = (await api.get(f"/webhooks/{eid}")).json()
        assert (got["url"], got["description"], got["last_delivery"]) == (url, "crud", None)

        patched = await api.patch(f"/webhooks/{eid}", json={"events": ["import.completed"], "enabled": False})
        assert patched.status_code == 200
        assert patched.json()["events"] == ["import.completed"] and patched.json()["enabled"] is False
        assert (await api.patch(f"/webhooks/{eid}", json={"events": ["nope"]})).status_code == 422
        assert (await api.patch(f"/webhooks/{eid}", json={"url": None})).status_code == 422
        assert (await api.patch(f"/webhooks/{eid}", json={"url": "gopher://x"})).status_code == 422
        assert (await api.patch(f"/webhooks/{uuid.uuid4()}", json={"enabled": True})).status_code == 404
        assert (await api.get("/webhooks/not-a-uuid")).status_code == 422

        page = (await api.get("/webhooks", params={"limit": 1})).json()
        assert page["limit"] == 1 and len(page["items"]) == 1 and page["total"] >= 1
        assert (await api.get(f"/webhooks/{eid}/deliveries")).json() == {"items": [], "total": 0, "limit": 50,
                                                                        "offset": 0}
    finally:
        assert (await api.delete(f"/webhooks/{eid}")).status_code == 204
    assert (await api.get(f"/webhooks/{eid}")).status_code == 404
    assert (await api.delete(f"/webhooks/{eid}")).status_code == 404
    assert (await api.get(f"/webhooks/{eid}/deliveries")).status_code == 404


async def test_a_dispatcher_killed_mid_way_delivers_everything_after_restart(api, bus, endpoints, webhook_stack,
                                                                              wait_until):
    endpoint = await endpoints("/slow", ["product.created"], delay=0.4)
    route = endpoint["route"]
    published = []
    for n in range(40):
        envelope = product_created(1000 + n)
        published.append(envelope.id)
        await bus.publish(envelope)

    await wait_until(lambda: len(route.requests) >= 6)
    await asyncio.to_thread(webhook_stack.kill, "webhooks-dispatch")
    received_before = len({r.webhook_id for r in route.requests})
    assert received_before < 40
    for n in range(10):  # published while no dispatcher runs: they wait in the queue
        envelope = product_created(2000 + n)
        published.append(envelope.id)
        await bus.publish(envelope)
    await asyncio.to_thread(webhook_stack.start, "webhooks-dispatch")

    await wait_until(lambda: len({r.webhook_id for r in route.requests}) == 50, timeout=60)
    assert all(r.verified for r in route.requests)
    product_ids = {r.json["data"]["product"]["id"] for r in route.requests}
    assert product_ids == set(range(1000, 1040)) | set(range(2000, 2010))  # none lost

    async def all_succeeded():
        log = await deliveries(api, endpoint["id"], limit=200)
        return log["total"] == 50 and all(d["status"] == "succeeded" for d in log["items"])

    await wait_until(all_succeeded, timeout=30)


async def test_endpoint_changes_reach_the_bus_for_the_audit_log(api, receiver, audit_events, wait_until):
    """Through the outbox and its relay (in the consumer process) to the exchange the accounts
    service's audit log is bound to: who did it, and the URL without its credentials."""
    url = receiver.url("/audited").replace("http://", "http://user:pw@") + "?token=abc"
    created = await api.post("/webhooks", json={"url": url, "events": ["import.failed"]})
    assert created.status_code == 201, created.text
    eid = created.json()["id"]
    await api.patch(f"/webhooks/{eid}", json={"events": ["import.failed", "import.completed"]})
    await api.post(f"/webhooks/{eid}/rotate-secret")
    await api.delete(f"/webhooks/{eid}")

    events = await wait_until(lambda: len(mine := [e for e in audit_events if e.subject == eid]) == 4 and mine)
    assert sorted(e.type for e in events) == ["webhook.created", "webhook.deleted", "webhook.secret_rotated",
                                              "webhook.updated"]
    redacted = receiver.url("/audited") + "?token=..."
    assert all(e.principal == "user:admin@test.example" and e.data["url"] == redacted for e in events)
    updated = next(e for e in events if e.type == "webhook.updated")
    assert updated.data["changes"] == {"events": {"old": ["import.failed"],
                                                  "new": ["import.failed", "import.completed"]}}
