"""Fixtures: a namespace of our own on the real Redis and RabbitMQ, and real servers.

Every key and queue of a test session lives under ``test-progress-<uuid>`` and is
deleted at the end. The consumer and two gateway replicas run in-process under real
uvicorn servers on free ports; tests talk to them over real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from dataclasses import dataclass

import aio_pika
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis

from pikit.bus import DEFAULT_RETRY_DELAYS_MS, Bus
from pikit.settings import InfraSettings
from progress.handlers import QUEUE
from progress.service import api_app, consumer_app
from progress.settings import ProgressSettings


@dataclass
class Server:
    app: FastAPI
    server: uvicorn.Server
    task: asyncio.Task
    port: int

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)


async def start_server(app: FastAPI) -> Server:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("server did not start")
    return Server(app, server, task, port)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def infra():
    ns = f"test-progress-{uuid.uuid4().hex[:12]}"
    infra = InfraSettings(bus_namespace=ns)
    yield infra
    # Clean up everything this session created.
    redis = Redis.from_url(infra.redis_url, decode_responses=True)
    keys = [key async for key in redis.scan_iter(match=f"{ns}:*", count=1000)]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
    connection = await aio_pika.connect_robust(infra.amqp_url)
    async with connection:
        channel = await connection.channel()
        name = f"{ns}.{QUEUE}"
        for queue in [name, f"{name}.dlq", *(f"{name}.retry.{d}" for d in DEFAULT_RETRY_DELAYS_MS)]:
            await channel.queue_delete(queue)
        await channel.exchange_delete(f"{ns}.events")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def redis(infra):
    client = Redis.from_url(infra.redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def bus(infra):
    bus = Bus(infra.amqp_url, infra.bus_namespace, "progress-tests")
    await bus.connect()
    yield bus
    await bus.close()


def make_settings(**overrides) -> ProgressSettings:
    # A long poll interval: clients must be woken by the stream reader, not by polling.
    values = {"poll_seconds": 30, "read_block_ms": 1000, "ping_seconds": 15, **overrides}
    return ProgressSettings(**values)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def consumer(infra):
    server = await start_server(consumer_app(infra, make_settings()))
    yield server
    await server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def gateways(infra, consumer):
    """Two gateway replicas of the API; the second sends heartbeats every 0.3 s."""
    a = await start_server(api_app(infra, make_settings()))
    b = await start_server(api_app(infra, make_settings(ping_seconds=0.3)))
    for server in (a, b):
        await asyncio.wait_for(server.app.state.gateway.fanout.running.wait(), 5)
    yield a, b
    await a.stop()
    await b.stop()
