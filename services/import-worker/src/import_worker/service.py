"""Wiring: the worker process consumes jobs and answers health checks."""

from __future__ import annotations

from fastapi import FastAPI

from import_worker.handlers import SOURCE, ImportWorker
from import_worker.settings import WorkerSettings
from pikit.app import create_app
from pikit.bus import Bus
from pikit.settings import InfraSettings
from pikit.storage import LocalStorage


def consumer_app() -> FastAPI:
    infra, settings = InfraSettings(), WorkerSettings()
    state: dict = {}

    async def lifespan(app: FastAPI):
        bus = Bus(infra.amqp_url, infra.bus_namespace, SOURCE)
        await bus.connect()
        storage = LocalStorage(infra.storage_dir)
        worker = ImportWorker(bus, storage, settings)
        # One job at a time per worker process: the file work is CPU-bound; scale with replicas.
        bus.subscribe("import-worker.jobs", worker.routes(), prefetch=1)
        bus.subscribe("import-worker.cancellations", worker.cancellation_routes(), prefetch=50, exclusive=True)
        await bus.start_consuming()
        state.update(bus=bus, storage=storage)
        yield
        await bus.close()

    async def bus_ready():
        if not state["bus"].is_connected:
            raise RuntimeError("not connected to RabbitMQ")

    async def storage_ready():
        if not state["storage"].root.is_dir():
            raise RuntimeError("storage directory missing")

    return create_app("import-worker", lifespan=lifespan,
                      ready_checks={"rabbitmq": bus_ready, "storage": storage_ready})
