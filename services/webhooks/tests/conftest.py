"""A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures, and the
webhooks service started as its own processes (API + consumer) in an isolated namespace."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aio_pika
import httpx
import orjson
import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from pikit.bus import Bus
from pikit.events import decode
from tests.support.auth import As
from tests.support.stack import AMQP_URL, Stack, free_port

# Short schedule and timeouts so failures, retries, leases and auto-disable happen in seconds.
STACK_ENV = {
    "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
    "WEBHOOKS_RETRY_SCHEDULE": "0.2,0.4,0.8",
    "WEBHOOKS_RETRY_JITTER": "0.2",
    "WEBHOOKS_TIMEOUT": "1.5",
    "WEBHOOKS_CONNECT_TIMEOUT": "1",
    "WEBHOOKS_LEASE_MARGIN_SECONDS": "1",
    "WEBHOOKS_WORKERS": "8",
    "WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT": "4",
    "WEBHOOKS_POLL_SECONDS": "0.5",
    "WEBHOOKS_AUTO_DISABLE_AFTER_SECONDS": "3",
    # The foreground gate off (test_foreground.py tests it with a stack of its own): while other
    # work keeps this machine busy (another test run), it would hold deliveries back for 10 s,
    # longer than the 3 s after which a failing endpoint is disabled (seen: resend got a 409).
    "WEBHOOKS_YIELD_ABOVE_CPU": "1",
}


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def json(self) -> dict:
        return orjson.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Route:
    secret: str | None
    statuses: list[int]  # answered in turn; the last one repeats
    delay: float = 0.0
    location: str | None = None
    requests: list[Received] = field(default_factory=list)

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.routes: dict[str, Route] = {}
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, secret: str | None = None, statuses=(200,), delay: float = 0.0,
              location: str | None = None) -> Route:
        self.routes[path] = Route(secret, list(statuses), delay, location)
        return self.routes[path]

    async def __call__(self, scope, receive, send) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender died mid-request (the kill test): nothing was delivered
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        route = self.routes.get(scope["path"])
        if route is None:
            await self._answer(send, 404, b"no such route")
            return
        verified = False
        if route.secret is not None:
            try:
                Webhook(route.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        route.requests.append(Received(time.monotonic(), headers, body, verified))
        if route.delay:
            await asyncio.sleep(route.delay)
        status = route.next_status()
        extra = [(b"location", route.location.encode())] if route.location else []
        await self._answer(send, status, b"ok" if status < 300 else f"answer {status}".encode(), extra)

    @staticmethod
    async def _answer(send, status: int, body: bytes, headers=()) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), *headers]})
        await send({"type": "http.response.body", "body": body})

    async def start(self) -> None:
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1, access_log=False)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # older uvicorn; harmless otherwise
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, 5)
        except TimeoutError:
            self._task.cancel()


@pytest.fixture(scope="module")
async def receiver():
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


@pytest.fixture(scope="module")
async def webhook_stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("webhooks"), extra_env=STACK_ENV)
    async with stack.running("webhooks-api", "webhooks-consume", "webhooks-dispatch"):
        yield stack


@pytest.fixture(scope="module")
async def bus(webhook_stack):
    bus = Bus(AMQP_URL, webhook_stack.namespace, "webhooks-tests")
    await bus.connect()
    yield bus
    await bus.close()


@pytest.fixture(scope="module")
async def audit_events(webhook_stack, bus):
    """Every ``webhook.*`` event the stack publishes (decoded envelopes, in arrival order), from a
    queue of the test's own bound to the stack's exchange."""
    received = []
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.get_exchange(bus.exchange_name)
    queue = await channel.declare_queue(exclusive=True)  # named by the broker, gone with the connection
    await queue.bind(exchange, "webhook.*")

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            received.append(decode(message.body)[0])

    await queue.consume(on_message)
    yield received
    await connection.close()


@pytest.fixture
async def api(webhook_stack):
    async with httpx.AsyncClient(base_url=webhook_stack.url("webhooks-api"), timeout=30, auth=As("admin")) as client:
        yield client


@pytest.fixture
async def endpoints(api, receiver):
    """``await endpoints(path, events, statuses=..., delay=...)`` registers a receiver route and
    an endpoint pointing at it (its secret given to the route); all are deleted afterwards, so
    later tests' events do not reach them."""
    created: list[str] = []

    async def make(path: str, events: list[str], *, enabled: bool = True, **behaviour) -> dict:
        route = receiver.route(path, **behaviour)
        response = await api.post("/webhooks", json={"url": receiver.url(path), "events": events,
                                                     "enabled": enabled, "description": path})
        assert response.status_code == 201, response.text
        endpoint = response.json()
        route.secret = endpoint["secret"]
        created.append(endpoint["id"])
        endpoint["route"] = route
        return endpoint

    yield make
    for endpoint_id in created:
        await api.delete(f"/webhooks/{endpoint_id}")


@pytest.fixture(scope="session")
def wait_until():
    return _wait_until


async def _wait_until(predicate, timeout: float = 15, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)
