"""The SSE gateway over real HTTP (uvicorn), fed by the real consumer through RabbitMQ and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import orjson
import pytest

from pikit.events import (ImportBatchDone, ImportCompleted, ImportFailed, ImportFailedError, ImportProgress,
                          ImportRequested, ImportStarted, ImportValidated, new_event)
from tests.support.auth import principal_header

pytestmark = pytest.mark.asyncio(loop_scope="session")


# --- a minimal HTTP/1.1 + SSE client (asyncio streams) ----------------------


@dataclass
class Event:
    event: str
    id: str | None
    data: str

    @property
    def json(self):
        return orjson.loads(self.data)


@dataclass
class SSE:
    """One SSE response: ``status``, ``headers``, then ``next()`` event by event."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    status: int = 0
    headers: dict = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    _text: str = ""
    _eof: bool = False

    async def _chunk(self) -> bytes:
        if self.headers.get("transfer-encoding") != "chunked":
            return await self.reader.read(65536)
        size_line = await self.reader.readline()
        if not size_line:
            return b""
        size = int(size_line.strip().split(b";")[0], 16)
        data = await self.reader.readexactly(size + 2)
        return data[:-2]

    async def next(self, timeout: float = 5) -> Event | None:
        """The next event, or None when the server ended the stream."""
        deadline = time.monotonic() + timeout
        while True:
            while "\n\n" in self._text.replace("\r\n", "\n"):
                text = self._text.replace("\r\n", "\n")
                block, _, rest = text.partition("\n\n")
                self._text = rest
                fields: dict[str, list[str]] = {}
                for line in block.split("\n"):
                    if line.startswith(":"):
                        self.comments.append(line[1:].strip())
                        continue
                    name, _, value = line.partition(":")
                    fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
                if "data" in fields or "event" in fields:
                    return Event(fields.get("event", ["message"])[0], fields.get("id", [None])[0],
                                 "\n".join(fields.get("data", [])))
            if self._eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no SSE event in time")
            chunk = await asyncio.wait_for(self._chunk(), left)
            if not chunk:
                self._eof = True
            self._text += chunk.decode()

    async def events_until_end(self, timeout: float = 10) -> list[Event]:
        events = []
        while (event := await self.next(timeout)) is not None:
            events.append(event)
        return events

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def sse(port: int, path: str, last_event_id: str | None = None) -> SSE:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    principal = principal_header("viewer")["x-principal"]
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nX-Principal: {principal}\r\n"
    if last_event_id is not None:
        request += f"Last-Event-ID: {last_event_id}\r\n"
    writer.write((request + "\r\n").encode())
    await writer.drain()
    client = SSE(reader, writer)
    status_line = await asyncio.wait_for(reader.readline(), 5)
    client.status = int(status_line.split()[1])
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        client.headers[name.strip().lower()] = value.strip()
    if client.status == 204 or client.headers.get("content-length") == "0":
        client._eof = True
    return client


async def http_get(port: int, path: str) -> tuple[int, dict]:
    client = await sse(port, path)
    body = b""
    if not client._eof:
        if "content-length" in client.headers:
            body = await client.reader.readexactly(int(client.headers["content-length"]))
        else:
            while chunk := await client._chunk():
                body += chunk
    await client.close()
    return client.status, orjson.loads(body) if body else None


# --- helpers -------------------------------------------------------------------


def new_job() -> str:
    return str(uuid.uuid4())


async def publish(bus, *bodies):
    for body in bodies:
        await bus.publish(new_event(body, source="progress-tests"))


async def wait_for(redis_store, job_id, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = await redis_store.get_snapshot(job_id)
        if snapshot is not None and predicate(snapshot):
            return snapshot
        await asyncio.sleep(0.02)
    raise AssertionError(f"snapshot of {job_id} never matched; last: {snapshot}")


async def until(condition, timeout=3):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        await asyncio.sleep(0.02)


def store_of(server):
    return server.app.state.gateway.store


def requested(job_id):
    return ImportRequested(job_id=job_id, filename="products.csv", storage_key=f"k/{job_id}", size_bytes=10_000,
                           sha256="0" * 64)


def validated(job_id, rows=900, batches=3):
    return ImportValidated(job_id=job_id, rows_total=1_000, valid=950, invalid=50, duplicates=50,
                           rows_to_import=rows, batches=batches, encoding="utf-8", delimiter=",")


def batch(job_id, n, rows=300):
    return ImportBatchDone(job_id=job_id, batch_no=n, rows=rows, inserted=rows, updated=0)


def completed(job_id, inserted=900):
    return ImportCompleted(job_id=job_id, rows_total=1_000, inserted=inserted, updated=0, invalid=50, duplicates=50)


RANK = {"unknown": -1, "queued": 0, "parsing": 1, "validating": 2, "importing": 3, "completed": 4, "failed": 5,
        "cancelled": 6}


# --- tests -------------------------------------------------------------------


async def test_first_event_fast_then_every_change_in_order_then_close(gateways, bus, redis):
    a, _ = gateways
    store = store_of(a)
    job = new_job()
    await publish(bus, requested(job))
    await wait_for(store, job, lambda s: s["status"] == "queued")

    started = time.perf_counter()
    client = await sse(a.port, f"/progress/imports/{job}")
    first = await client.next()
    elapsed = time.perf_counter() - started
    assert client.status == 200 and client.headers["content-type"].startswith("text/event-stream")
    assert elapsed < 0.2, f"first event after {elapsed * 1000:.0f} ms"
    assert first.event == "snapshot"
    assert first.json["status"] == "queued" and first.json["filename"] == "products.csv"
    latest_id, _ = await store.latest(job)
    assert first.id == latest_id

    duplicate = new_event(batch(job, 2), source="progress-tests")
    await publish(bus, ImportStarted(job_id=job, bytes_total=10_000),
                  ImportProgress(job_id=job, stage="parsing", rows_read=500, bytes_read=5_000, bytes_total=10_000),
                  validated(job), batch(job, 1))
    await bus.publish(duplicate)
    await bus.publish(duplicate)  # delivered twice
    await publish(bus, batch(job, 2), batch(job, 3))  # batch 2 a third time, new message id
    await wait_for(store, job, lambda s: s["batches_done"] == 3)
    await publish(bus, completed(job))

    events = await client.events_until_end()
    await client.close()
    assert events, "no change arrived"
    assert all(e.event == "progress" for e in events)
    # exactly the job's stream after the snapshot, in order, ending with the terminal change
    expected = await store.read_job(job, first.id, 1000)
    assert [(e.id, e.json) for e in events] == expected
    ids = [tuple(map(int, e.id.split("-"))) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    ranks = [RANK[e.json["status"]] for e in events]
    assert ranks == sorted(ranks)
    last = events[-1].json
    assert last["status"] == "completed" and last["terminal"] and last["percent"] == 100.0
    assert last["batches_done"] == 3 and last["rows_processed"] == 900  # the duplicate counted once
    assert [e.json["batches_done"] for e in events] == sorted(e.json["batches_done"] for e in events)


async def test_a_finished_job_sends_its_terminal_snapshot_and_closes(gateways, bus):
    a, _ = gateways
    store = store_of(a)
    job = new_job()
    await publish(bus, requested(job), ImportFailed(job_id=job, error=ImportFailedError(code="not_csv",
                                                                                        message="not a CSV")))
    await wait_for(store, job, lambda s: s["status"] == "failed")
    client = await sse(a.port, f"/progress/imports/{job}")
    events = await client.events_until_end(timeout=2)
    await client.close()
    assert len(events) == 1
    assert events[0].event == "snapshot" and events[0].json["status"] == "failed"
    assert events[0].json["error"] == {"code": "not_csv", "message": "not a CSV"}
    # the browser reconnects with the terminal id: 204 stops it
    again = await sse(a.port, f"/progress/imports/{job}", last_event_id=events[0].id)
    assert again.status == 204
    await again.close()


async def test_last_event_id_resumes_with_only_the_missed_changes(gateways, bus):
    a, b = gateways
    store = store_of(a)
    job = new_job()
    await publish(bus, requested(job))
    await wait_for(store, job, lambda s: s["status"] == "queued")
    client = await sse(a.port, f"/progress/imports/{job}")
    assert (await client.next()).event == "snapshot"
    await publish(bus, ImportStarted(job_id=job))
    seen = await client.next()
    assert seen.event == "progress" and seen.json["status"] == "parsing"
    await client.close()

    # missed while disconnected
    await publish(bus, validated(job, rows=600, batches=2), batch(job, 1))
    await wait_for(store, job, lambda s: s["batches_done"] == 1 and s["rows_to_import"] == 600)
    missed = await store.read_job(job, seen.id)
    assert len(missed) == 2

    # resume on the other replica: the ids are the same everywhere
    resumed = await sse(b.port, f"/progress/imports/{job}", last_event_id=seen.id)
    assert resumed.status == 200
    got = [await resumed.next(), await resumed.next()]
    assert [(e.event, e.id, e.json) for e in got] == [("progress", i, s) for i, s in missed]
    # then live changes, to the end
    await publish(bus, batch(job, 2))
    await wait_for(store, job, lambda s: s["batches_done"] == 2)
    await publish(bus, completed(job, inserted=600))
    rest = await resumed.events_until_end()
    await resumed.close()
    assert rest[-1].json["status"] == "completed" and rest[-1].json["rows_processed"] == 600
    assert [e.id for e in rest] == [i for i, _ in await store.read_job(job, got[-1].id)]


async def test_last_event_id_older_than_history_gets_a_snapshot_first(gateways, bus):
    a, _ = gateways
    store = store_of(a)
    job = new_job()
    await publish(bus, requested(job))
    await wait_for(store, job, lambda s: s["status"] == "queued")
    client = await sse(a.port, f"/progress/imports/{job}", last_event_id="1-0")  # before anything retained
    first = await client.next()
    await client.close()
    assert first.event == "snapshot" and first.json["status"] == "queued"
    assert first.id == (await store.latest(job))[0]


async def test_unknown_job_gets_a_placeholder_at_once_then_follows_it(gateways, bus):
    a, _ = gateways
    job = new_job()
    started = time.perf_counter()
    client = await sse(a.port, f"/progress/imports/{job}")
    first = await client.next()
    assert time.perf_counter() - started < 0.2
    assert first.event == "snapshot" and first.id == "0-0"
    assert first.json["status"] == "unknown" and first.json["job_id"] == job

    await publish(bus, requested(job))
    nxt = await client.next()
    assert nxt.event == "progress" and nxt.json["status"] == "queued" and nxt.json["filename"] == "products.csv"
    await publish(bus, ImportFailed(job_id=job, error=ImportFailedError(code="x", message="y")))
    rest = await client.events_until_end()
    await client.close()
    assert rest[-1].json["status"] == "failed"


async def test_two_replicas_both_see_a_change_published_once(gateways, bus):
    a, b = gateways
    job = new_job()
    await publish(bus, requested(job))
    await wait_for(store_of(a), job, lambda s: s["status"] == "queued")
    on_a = await sse(a.port, f"/progress/imports/{job}")
    on_b = await sse(b.port, f"/progress/imports/{job}")
    snap_a, snap_b = await on_a.next(), await on_b.next()
    assert snap_a.id == snap_b.id

    await publish(bus, ImportStarted(job_id=job))  # once
    got_a, got_b = await asyncio.gather(on_a.next(), on_b.next())
    assert got_a.event == got_b.event == "progress"
    assert got_a.id == got_b.id
    assert got_a.json == got_b.json and got_a.json["status"] == "parsing"
    await on_a.close()
    await on_b.close()


async def test_dashboard_stream_of_every_job(gateways, bus):
    a, b = gateways
    store = store_of(a)
    old = new_job()
    await publish(bus, requested(old))
    await wait_for(store, old, lambda s: s["status"] == "queued")

    started = time.perf_counter()
    client = await sse(b.port, "/progress/imports?limit=500")
    first = await client.next()
    assert time.perf_counter() - started < 0.2
    assert first.event == "snapshot"
    assert old in [job["job_id"] for job in first.json["jobs"]]

    one, two = new_job(), new_job()
    await publish(bus, requested(one), requested(two))
    await wait_for(store, one, lambda s: s["status"] == "queued")
    await publish(bus, ImportStarted(job_id=one))
    seen: dict[str, list[str]] = {one: [], two: []}
    ids = []
    while len(seen[one]) < 2 or len(seen[two]) < 1:
        event = await client.next()
        assert event.event == "progress"
        ids.append(event.id)
        if event.json["job_id"] in seen:
            seen[event.json["job_id"]].append(event.json["status"])
    await client.close()
    assert seen[one] == ["queued", "parsing"] and seen[two] == ["queued"]
    assert ids == sorted(ids, key=lambda i: tuple(map(int, i.split("-"))))

    # resume after the first of those changes: the rest of them, nothing before
    resumed = await sse(a.port, "/progress/imports", last_event_id=ids[0])
    again = [await resumed.next() for _ in ids[1:]]
    await resumed.close()
    assert [e.id for e in again] == ids[1:]
    assert all(e.event == "progress" for e in again)


async def test_snapshot_endpoint(gateways, bus):
    a, _ = gateways
    job = new_job()
    await publish(bus, requested(job))
    expected = await wait_for(store_of(a), job, lambda s: s["status"] == "queued")
    status, body = await http_get(a.port, f"/progress/imports/{job}/snapshot")
    assert status == 200 and body == expected
    status, body = await http_get(a.port, f"/progress/imports/{new_job()}/snapshot")
    assert status == 404 and body["error"]["code"] == "job_not_found"


async def test_heartbeats(gateways, bus):
    _, b = gateways  # pings every 0.3 s
    job = new_job()
    client = await sse(b.port, f"/progress/imports/{job}")
    await client.next()
    with pytest.raises(TimeoutError):
        await client.next(timeout=1)
    await client.close()
    assert len([c for c in client.comments if c.startswith("ping")]) >= 2


async def test_a_client_that_leaves_stops_its_reader(gateways, bus):
    a, b = gateways
    fanouts = [a.app.state.gateway.fanout, b.app.state.gateway.fanout]
    before = [0, 0]  # every earlier test closed its clients
    await until(lambda: [f.subscriber_count for f in fanouts] == before)
    clients = [await sse(server.port, path) for server in (a, b) for path in
               (f"/progress/imports/{new_job()}", "/progress/imports")]
    for client in clients:
        await client.next()
    assert [f.subscriber_count for f in fanouts] == [n + 2 for n in before]
    tasks_open = len(asyncio.all_tasks())
    for client in clients:
        await client.close()
    await until(lambda: [f.subscriber_count for f in fanouts] == before)
    await asyncio.sleep(0.1)
    assert len(asyncio.all_tasks()) < tasks_open


async def test_readiness(gateways, consumer):
    a, _ = gateways
    status, body = await http_get(a.port, "/readyz")
    assert status == 200 and body["checks"] == {"redis": "ok"}
    status, body = await http_get(consumer.port, "/readyz")
    assert status == 200 and body["checks"] == {"redis": "ok", "rabbitmq": "ok"}
    status, body = await http_get(a.port, "/openapi.json")
    assert status == 200
    assert {"/progress/imports", "/progress/imports/{job_id}", "/progress/imports/{job_id}/snapshot"} <= \
        set(body["paths"])


async def test_clients_keep_receiving_after_the_reader_loses_redis(infra, gateways, bus, redis):
    a, _ = gateways
    job = new_job()
    await publish(bus, requested(job))
    await wait_for(store_of(a), job, lambda s: s["status"] == "queued")
    client = await sse(a.port, f"/progress/imports/{job}")
    await client.next()
    # cut the connections of this session's stream readers (and only those)
    name = f"{infra.bus_namespace}:progress:reader"
    killed = [c["id"] for c in await redis.client_list() if c.get("name") == name]
    assert len(killed) == 2  # one per gateway replica
    for client_id in killed:
        await redis.client_kill_filter(_id=client_id)
    await publish(bus, ImportStarted(job_id=job))
    event = await client.next(timeout=5)  # clients poll every 30 s here: the reader must have come back
    await client.close()
    assert event.event == "progress" and event.json["status"] == "parsing"
    assert [c["id"] for c in await redis.client_list() if c.get("name") == name and c["id"] not in killed]
