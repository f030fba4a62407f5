"""With WEBHOOKS_ALLOW_PRIVATE_NETWORKS off (the default): URLs resolving to loopback, private,
link-local, metadata, ... addresses are refused on create and update, and again at send time."""

from __future__ import annotations

import httpx
import pytest

from tests.support.auth import As
from webhooks.sender import Sender
from webhooks.service import api_app
from webhooks.settings import WebhooksSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")

REFUSED = [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.5/hook", "http://192.168.1.1/hook", "http://172.20.0.1/", "http://0.0.0.0/",
    "http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/", "http://224.0.0.1/",
    "http://[fe80::1]/", "http://does-not-exist.invalid/hook",
]


async def test_private_destinations_are_refused(monkeypatch, scratch_database_url):
    monkeypatch.setenv("DATABASE_URL", scratch_database_url)
    monkeypatch.setenv("WEBHOOKS_SECRET_ROTATION_GRACE_SECONDS", "0")
    monkeypatch.delenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", raising=False)
    app = api_app()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks",
                                     auth=As("admin")) as api:
            for url in REFUSED:
                response = await api.post("/webhooks", json={"url": url, "events": ["product.created"]})
                assert response.status_code == 422, (url, response.text)
                error = response.json()["error"]
                assert error["code"] == "url_not_allowed" and error["fields"][0]["field"] == "url"
            metadata = await api.post("/webhooks", json={"url": "http://169.254.169.254/", "events": ["import.failed"]})
            assert "metadata" in metadata.json()["error"]["message"]

            # a public address is accepted (an IP literal: no DNS needed), and cannot be moved to a private one
            created = await api.post("/webhooks", json={"url": "http://93.184.215.14/hook",
                                                        "events": ["import.failed"]})
            assert created.status_code == 201, created.text
            eid = created.json()["id"]
            moved = await api.patch(f"/webhooks/{eid}", json={"url": "http://127.0.0.1/hook"})
            assert moved.status_code == 422 and moved.json()["error"]["code"] == "url_not_allowed"
            assert (await api.get(f"/webhooks/{eid}")).json()["url"] == "http://93.184.215.14/hook"
            assert (await api.get("/webhooks")).json()["total"] == 1

            # with no grace period a rotation replaces the secret at once
            rotated = (await api.post(f"/webhooks/{eid}/rotate-secret")).json()
            assert rotated["secret"] != created.json()["secret"] and rotated["previous_secret_expires_at"] is None


async def test_the_address_is_checked_again_at_send_time(monkeypatch, receiver):
    """An endpoint stored while allowed (or whose DNS changed since) gets nothing: the receiver
    on 127.0.0.1 sees no request at all."""
    monkeypatch.delenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", raising=False)
    route = receiver.route("/private", secret="whsec_" + "A" * 32)
    sender = Sender(WebhooksSettings())
    try:
        result = await sender.send(receiver.url("/private"), route.secret, "msg_x", '{"type":"x"}')
    finally:
        await sender.close()
    assert result.success is False and result.status_code is None
    assert result.error.startswith("refused:") and "loopback" in result.error
    assert route.requests == []

    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")
    sender = Sender(WebhooksSettings())
    try:
        result = await sender.send(receiver.url("/private"), route.secret, "msg_x", '{"type":"x"}')
    finally:
        await sender.close()
    assert result.success and len(route.requests) == 1 and route.requests[0].verified


async def test_response_bodies_are_read_only_up_to_the_limit(monkeypatch):
    """A receiver streaming a huge answer: only max_response_bytes are read and kept."""
    import asyncio

    sent = 0

    async def handle(reader, writer):
        nonlocal sent
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        try:
            for _ in range(2000):  # up to ~128 MB if the client kept reading
                writer.write(b"10000\r\n" + b"x" * 65536 + b"\r\n")
                await writer.drain()
                sent += 65536
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("WEBHOOKS_MAX_RESPONSE_BYTES", "100")
    sender = Sender(WebhooksSettings())
    try:
        result = await sender.send(f"http://127.0.0.1:{port}/big", "whsec_" + "A" * 32, "msg_big", "{}")
    finally:
        await sender.close()
        server.close()
    assert result.success and result.response_excerpt == "x" * 100
    await asyncio.sleep(0.2)
    assert sent < 64 * 1024 * 1024  # the client hung up long before the end
