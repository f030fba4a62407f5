"""The API in-process against the real PostgreSQL and Redis: who may use it, the audit events
its changes write to the outbox (who did it, the URL without credentials), and the rate limit
on test pings."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
import redis.asyncio as aioredis

from pikit.events import decode
from tests.support.auth import As
from tests.support.stack import REDIS_URL, scratch_database
from webhooks.service import api_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "https://ops:hunter2@hooks.example.com/services/T0/B0?token=abc123#frag"
REDACTED = "https://hooks.example.com/services/T0/B0?token=...#..."


@pytest.fixture(scope="module")
async def database_url():
    async with scratch_database() as url:
        yield url


@pytest.fixture
async def namespace():
    """A Redis key prefix (BUS_NAMESPACE) of this test's own, removed afterwards."""
    ns = f"t{uuid.uuid4().hex[:10]}"
    yield ns
    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{ns}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@asynccontextmanager
async def running_api(monkeypatch, database_url: str, namespace: str = "pi-test", **env: str):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("BUS_NAMESPACE", namespace)
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")  # no DNS for hooks.example.com
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = api_app()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks",
                                     auth=As("admin")) as api:
            yield app, api


async def outbox(app) -> list:
    rows = await app.state.pool.fetch("SELECT routing_key, body FROM outbox ORDER BY seq")
    return [(r["routing_key"], bytes(r["body"])) for r in rows]


async def test_only_admins_use_the_webhooks_api(monkeypatch, database_url):
    async with running_api(monkeypatch, database_url) as (app, api):
        endpoint = (await api.post("/webhooks", json={"url": URL, "events": ["import.failed"]})).json()
        try:
            paths = [("GET", "/webhooks"), ("GET", f"/webhooks/{endpoint['id']}"),
                     ("POST", f"/webhooks/{endpoint['id']}/test"), ("DELETE", f"/webhooks/{endpoint['id']}")]
            for method, path in paths:
                nobody = await api.request(method, path, auth=None)
                assert nobody.status_code == 401 and nobody.json()["error"]["code"] == "not_authenticated"
                for role in ("viewer", "editor"):
                    refused = await api.request(method, path, auth=As(role))
                    assert refused.status_code == 403, (method, path, role)
                    assert refused.json()["error"]["code"] == "forbidden"
            forged = await api.get("/webhooks", auth=None, headers={"x-principal": "v1.e30.bm9wZQ"})
            assert forged.status_code == 401
            assert (await api.get(f"/webhooks/{endpoint['id']}")).status_code == 200  # still there
            text = await api.post("/webhooks", content=b'{"url": "https://x.example.com", "events": ["import.failed"]}',
                                  headers={"content-type": "text/plain"})
            assert text.status_code == 415
        finally:
            await api.delete(f"/webhooks/{endpoint['id']}")


async def test_every_endpoint_change_writes_its_audit_event_to_the_outbox(monkeypatch, database_url):
    async with running_api(monkeypatch, database_url) as (app, api):
        await app.state.pool.execute("DELETE FROM outbox")
        created = await api.post("/webhooks", json={"url": URL, "events": ["product.created", "import.failed"],
                                                    "description": "ops"}, headers={"x-correlation-id": "audit-1"})
        assert created.status_code == 201, created.text
        eid = created.json()["id"]
        # refused or empty changes write nothing
        assert (await api.post("/webhooks", json={"url": "ftp://x", "events": ["import.failed"]})).status_code == 422
        assert (await api.patch(f"/webhooks/{uuid.uuid4()}", json={"enabled": False})).status_code == 404
        unchanged = await api.patch(f"/webhooks/{eid}", json={"enabled": True, "description": "ops",
                                                              "events": ["import.failed", "product.created"]})
        assert unchanged.status_code == 200
        assert len(await outbox(app)) == 1

        patched = await api.patch(f"/webhooks/{eid}", json={
            "url": "https://hooks.example.com/services/T0/B1?token=def456", "enabled": False, "description": "ops"},
            auth=As("admin", "second@test.example"))
        assert patched.status_code == 200, patched.text
        assert (await api.post(f"/webhooks/{eid}/rotate-secret")).status_code == 200
        assert (await api.delete(f"/webhooks/{eid}")).status_code == 204

        events = await outbox(app)
        assert [key for key, _ in events] == ["webhook.created", "webhook.updated", "webhook.secret_rotated",
                                              "webhook.deleted"]
        for _, body in events:
            for credential in (b"hunter2", b"abc123", b"def456", b"frag", b"ops:"):
                assert credential not in body
        (c, _), (u, _), (r, _), (d, _) = (decode(body) for _, body in events)
        assert all(e.source == "webhooks" and e.subject == eid for e in (c, u, r, d))
        assert [e.principal for e in (c, u, r, d)] == ["user:admin@test.example", "user:second@test.example",
                                                       "user:admin@test.example", "user:admin@test.example"]
        assert c.correlation_id == "audit-1"
        assert c.data == {"endpoint_id": eid, "url": REDACTED, "events": ["product.created", "import.failed"],
                          "enabled": True}
        assert u.data == {"endpoint_id": eid, "url": "https://hooks.example.com/services/T0/B1?token=...",
                          "changes": {"url": {"old": REDACTED, "new": "https://hooks.example.com/services/T0/B1?token=..."},
                                      "enabled": {"old": True, "new": False}},
                          "reason": None}  # a person's change: no reason of the system's
        assert r.data == d.data == {"endpoint_id": eid, "url": "https://hooks.example.com/services/T0/B1?token=..."}


async def test_test_pings_are_limited_per_principal(monkeypatch, database_url, namespace, receiver):
    route = receiver.route("/limited")
    async with running_api(monkeypatch, database_url, namespace, WEBHOOKS_TEST_PINGS_PER_MINUTE="2") as (app, api):
        endpoint = (await api.post("/webhooks", json={"url": receiver.url("/limited"),
                                                      "events": ["import.failed"]})).json()
        route.secret = endpoint["secret"]
        try:
            ping = f"/webhooks/{endpoint['id']}/test"
            for _ in range(2):
                answer = await api.post(ping)
                assert answer.status_code == 200 and answer.json()["success"] is True
            refused = await api.post(ping)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
            assert len(route.requests) == 2 and all(r.verified for r in route.requests)  # the third was not sent
            # an unknown endpoint is a 404, not a ping counted
            assert (await api.post(f"/webhooks/{uuid.uuid4()}/test")).status_code == 404
            # per principal: another admin still may
            other = await api.post(ping, auth=As("admin", "other@test.example"))
            assert other.status_code == 200 and len(route.requests) == 3
            # and the count is in Redis, shared by every replica
            client = aioredis.from_url(REDIS_URL)
            try:
                assert [k async for k in client.scan_iter(match=f"{namespace}:ratelimit*")]
            finally:
                await client.aclose()
        finally:
            await api.delete(f"/webhooks/{endpoint['id']}")
