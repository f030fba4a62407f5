"""Webhook delivery throughput to a local receiver, and the catalog's read latency while
those deliveries are in flight compared with idle."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from pikit.bus import Bus
from pikit.events import Product, ProductUpdated, new_event
from tests.bench import listing

EVENTS = 10_000


class Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server answering 204: the bench measures the sender."""

    received = 0
    last_at = 0.0

    def connection_made(self, transport) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").lower()
            length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                           if line.startswith("content-length:")), 0)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            Receiver.received += 1
            Receiver.last_at = time.perf_counter()
            self.transport.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


async def first_page_p95(base_url: str, clients: int = 8, requests: int = 15) -> float:
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        async def one() -> None:
            for _ in range(requests):
                started = time.perf_counter()
                await client.get("/api/products", params={"limit": listing.PAGE})
                latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.gather(*(one() for _ in range(clients)))
    return listing.percentile(latencies, 95)


async def measure(edge_url: str, amqp_url: str, namespace: str) -> dict:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=edge_url, timeout=30) as client:
            created = await client.post("/api/webhooks", json={
                "url": f"http://127.0.0.1:{port}/hook", "events": ["product.updated"], "enabled": True,
                "description": "bench receiver"})
            created.raise_for_status()
        idle_p95 = await first_page_p95(edge_url)
        bus = Bus(amqp_url, namespace, "bench")
        await bus.connect()
        Receiver.received = 0
        started = time.perf_counter()
        product = Product(id=1, sku="BENCH-1", name="Bench")
        try:
            for chunk in range(0, EVENTS, 500):
                await asyncio.gather(*(bus.publish(new_event(
                    ProductUpdated(product=product, changes={"name": {"old": "a", "new": str(n)}}),
                    source="bench", subject=str(uuid.uuid4()))) for n in range(chunk, chunk + 500)))
        finally:
            await bus.close()
        busy_p95 = await first_page_p95(edge_url)  # while the deliveries are being sent
        still_delivering = Receiver.received < EVENTS
        deadline = time.perf_counter() + 300
        while Receiver.received < EVENTS and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
        seconds = (Receiver.last_at or time.perf_counter()) - started
        return {"events": EVENTS, "received": Receiver.received, "seconds": seconds,
                "per_second": Receiver.received / seconds if seconds else 0.0,
                "list_p95_idle_ms": idle_p95, "list_p95_delivering_ms": busy_p95,
                "deliveries_in_flight_while_measuring": still_delivering}
    finally:
        server.close()
