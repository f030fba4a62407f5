"""Wiring: Redis clients, the bus, the API (gateway) app and the consumer app."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI
from redis.asyncio import Redis

from pikit.app import create_app, run_forever
from pikit.bus import Bus
from pikit.settings import InfraSettings
from progress.api import Gateway, router
from progress.fanout import Fanout
from progress.handlers import QUEUE, SOURCE, ProgressHandlers
from progress.settings import ProgressSettings
from progress.store import ProgressStore


def redis_client(url: str, max_connections: int, socket_timeout: float | None = 10,
                 name: str | None = None) -> Redis:
    return Redis.from_url(url, decode_responses=True, max_connections=max_connections,
                          socket_timeout=socket_timeout, socket_connect_timeout=5, socket_keepalive=True,
                          health_check_interval=30, retry_on_timeout=True, client_name=name)


def make_store(redis: Redis, infra: InfraSettings, settings: ProgressSettings) -> ProgressStore:
    return ProgressStore(redis, infra.bus_namespace, ttl_seconds=settings.ttl_seconds,
                         job_stream_maxlen=settings.job_stream_maxlen,
                         global_stream_maxlen=settings.global_stream_maxlen,
                         jobs_index_size=settings.jobs_index_size)


def api_app(infra: InfraSettings | None = None, settings: ProgressSettings | None = None) -> FastAPI:
    infra, settings = infra or InfraSettings(), settings or ProgressSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        redis = redis_client(infra.redis_url, settings.redis_pool_size)
        # The stream reader blocks on its own connection, never on the pool's.
        reader_redis = redis_client(infra.redis_url, 1, socket_timeout=settings.read_block_ms / 1000 + 10,
                                    name=f"{infra.bus_namespace}:progress:reader")
        store = make_store(redis, infra, settings)
        fanout = Fanout(reader_redis, store.global_stream, block_ms=settings.read_block_ms)
        app.state.gateway = Gateway(store, fanout, settings)
        reader = asyncio.create_task(run_forever("progress-reader", fanout.run))
        state.update(redis=redis, store=store)
        yield
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await reader_redis.aclose()
        await redis.aclose()

    app = create_app("progress", lifespan=lifespan, ready_checks={"redis": lambda: state["store"].ping()},
                     description="Live progress of imports: snapshots and Server-Sent Events.")
    app.include_router(router)
    return app


def consumer_app(infra: InfraSettings | None = None, settings: ProgressSettings | None = None) -> FastAPI:
    infra, settings = infra or InfraSettings(), settings or ProgressSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        redis = redis_client(infra.redis_url, settings.prefetch + 2)
        store = make_store(redis, infra, settings)
        bus = Bus(infra.amqp_url, infra.bus_namespace, SOURCE)
        await bus.connect()
        bus.subscribe(QUEUE, ProgressHandlers(store).routes(), prefetch=settings.prefetch)
        await bus.start_consuming()
        state.update(redis=redis, store=store, bus=bus)
        app.state.store = store
        yield
        await bus.close()
        await redis.aclose()

    async def bus_ready():
        if not state["bus"].is_connected:
            raise RuntimeError("not connected to RabbitMQ")

    return create_app("progress-consumer", lifespan=lifespan, ready_checks={
        "redis": lambda: state["store"].ping(), "rabbitmq": bus_ready})
