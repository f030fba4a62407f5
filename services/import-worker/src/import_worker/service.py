"""Wiring: the worker process consumes jobs and answers health checks."""

from __future__ import annotations

from fastapi import FastAPI

from import_worker.handlers import SOURCE, ImportWorker
from import_worker.settings import WorkerSettings
from pikit.service import consumer_app as kit_consumer_app
from pikit.settings import InfraSettings
from pikit.storage import LocalStorage


def consumer_app() -> FastAPI:
    settings = WorkerSettings()
    storage = LocalStorage(InfraSettings().storage_dir)

    def subscribe(bus, _pool) -> None:
        worker = ImportWorker(bus, storage, settings)
        # One job at a time per process: the file work is CPU-bound; scale with replicas.
        bus.subscribe("import-worker.jobs", worker.routes(), prefetch=1)
        # Every replica hears every cancellation (a queue of its own, gone with it).
        bus.subscribe("import-worker.cancellations", worker.cancellation_routes(), prefetch=50, exclusive=True)

    async def storage_ready():
        if not storage.root.is_dir():
            raise RuntimeError("storage directory missing")

    return kit_consumer_app("import-worker", SOURCE, subscribe, extra_checks={"storage": storage_ready})
