"""Webhook delivery throughput to a local receiver, and the catalog's read latency while
deliveries are in flight compared with idle.

The receiver runs in a process of its own, as a real one would: inside the bench's own
event loop it answered late whenever the bench was busy publishing the events, and the
figure measured the bench's publisher more than the dispatcher."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid
from contextlib import contextmanager

import httpx

from pikit.bus import Bus
from pikit.events import Product, ProductUpdated, new_event
from tests.bench import listing, procstat

EVENTS = 10_000


class Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server answering 204: the bench measures the sender.
    ``received`` and ``last_at`` are shared with the bench process."""

    received = None  # multiprocessing.Value("q")
    last_at = None  # multiprocessing.Value("d"): time.perf_counter() of the last request (system-wide clock)

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
            Receiver.received.value += 1
            Receiver.last_at.value = time.perf_counter()
            self.transport.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")


def _serve(received, last_at, port) -> None:
    Receiver.received, Receiver.last_at = received, last_at

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        await asyncio.Event().wait()

    asyncio.run(run())


@contextmanager
def receiver_process():
    """(received, last_at, port) of a receiver running in its own process."""
    context = multiprocessing.get_context("spawn")
    received, last_at, port = context.Value("q", 0), context.Value("d", 0.0), context.Value("i", 0)
    process = context.Process(target=_serve, args=(received, last_at, port), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 30
        while not port.value:
            if time.monotonic() > deadline or not process.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.02)
        yield received, last_at, port.value
    finally:
        process.kill()
        process.join()


#: Each latency figure pools this many windows of 8 clients x 40 requests. The p95 of one
#: window moved between 24 and 40 ms from one idle window to the next on 2 cores, more than
#: the 20 % the comparison allows.
WINDOWS = 3


async def first_page_latencies(base_url: str, headers: dict[str, str], clients: int = 8,
                               requests: int = 40) -> list[float]:
    latencies: list[float] = []
    async with listing.session(base_url, headers) as client:
        async def one() -> None:
            for _ in range(requests):
                ms, status, body = await listing.timed_get(client, "/api/products", {"limit": listing.PAGE})
                if status != 200:
                    raise RuntimeError(f"first page: {status} {body[:200]!r}")
                latencies.append(ms)
        await asyncio.gather(*(one() for _ in range(clients)))
    return latencies


async def first_page_windows(base_url: str, headers: dict[str, str],
                             in_flight=lambda: True) -> tuple[list[float], list[float]]:
    """(latencies pooled, p95 of each window) of up to WINDOWS windows, while ``in_flight()``."""
    pooled, per_window = [], []
    for _ in range(WINDOWS):
        if not in_flight():
            break
        window = await first_page_latencies(base_url, headers)
        pooled += window
        per_window.append(listing.percentile(window, 95))
    return pooled, per_window


async def publish(amqp_url: str, namespace: str, events: int) -> float:
    """Publish ``events`` product.updated events; returns the seconds it took."""
    bus = Bus(amqp_url, namespace, "bench")
    await bus.connect()
    started = time.perf_counter()
    product = Product(id=1, sku="BENCH-1", name="Bench")
    try:
        for chunk in range(0, events, 500):
            await asyncio.gather(*(bus.publish(new_event(
                ProductUpdated(product=product, changes={"name": {"old": "a", "new": str(n)}}),
                source="bench", subject=str(uuid.uuid4()))) for n in range(chunk, min(chunk + 500, events))))
    finally:
        await bus.close()
    return time.perf_counter() - started


async def until_received(received, count: int, timeout: float = 300) -> None:
    deadline = time.perf_counter() + timeout
    while received.value < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)


async def measure(edge_url: str, headers: dict[str, str], amqp_url: str, namespace: str, cpu_snapshot) -> dict:
    """Two rounds of EVENTS events: the first timed alone (throughput), the second with the
    catalog's first page measured while its deliveries are in flight (the latency windows
    starve the dispatcher, which runs at the lowest CPU priority, so they would lower the
    throughput figure). ``cpu_snapshot()``: procstat.cpu_snapshot of the stack, taken around
    each set of windows."""
    with receiver_process() as (received, last_at, port):
        async with httpx.AsyncClient(base_url=edge_url, timeout=30, headers=headers) as client:
            created = await client.post("/api/webhooks", json={
                "url": f"http://127.0.0.1:{port}/hook", "events": ["product.updated"], "enabled": True,
                "description": "bench receiver"})
            created.raise_for_status()
        endpoint_id = created.json()["id"]
        started = time.perf_counter()
        published_s = await publish(amqp_url, namespace, EVENTS)
        await until_received(received, EVENTS)
        throughput_received = received.value
        seconds = (last_at.value or time.perf_counter()) - started

        cpu, phase_started = {"idle": [await cpu_snapshot()]}, {"idle": time.perf_counter()}
        idle, idle_windows = await first_page_windows(edge_url, headers)
        cpu["idle"].append(await cpu_snapshot())
        phase_seconds = {"idle": time.perf_counter() - phase_started["idle"]}
        second_started = time.perf_counter()
        await publish(amqp_url, namespace, EVENTS)
        cpu["delivering"], phase_started["delivering"] = [await cpu_snapshot()], time.perf_counter()
        received_before = received.value
        # A window counts only if it started with deliveries in flight.
        busy, busy_windows = await first_page_windows(edge_url, headers, lambda: received.value < 2 * EVENTS)
        received_while_measuring = received.value - received_before
        cpu["delivering"].append(await cpu_snapshot())
        phase_seconds["delivering"] = time.perf_counter() - phase_started["delivering"]
        still_delivering = received.value < 2 * EVENTS
        await until_received(received, 2 * EVENTS)
        second_round_seconds = last_at.value - second_started
        async with httpx.AsyncClient(base_url=edge_url, timeout=30, headers=headers) as client:
            await client.delete(f"/api/webhooks/{endpoint_id}")
        return {"events": EVENTS, "received": throughput_received, "seconds": seconds,
                "per_second": throughput_received / seconds if seconds else 0.0, "publish_seconds": published_s,
                "second_round_received": received.value - throughput_received,
                "second_round_seconds": second_round_seconds,
                "list_p95_idle_ms": listing.percentile(idle, 95),
                "list_p95_delivering_ms": listing.percentile(busy, 95) if busy else None,
                "list_p95_idle_windows_ms": idle_windows, "list_p95_delivering_windows_ms": busy_windows,
                "deliveries_in_flight_while_measuring": still_delivering,
                "received_while_measuring": received_while_measuring,
                **{f"cpu_seconds_{k}": procstat.cpu_delta(*v) for k, v in cpu.items()},
                **{f"seconds_{k}": v for k, v in phase_seconds.items()}}
