"""Wiring: the API app, the consumer app (bus fan-out, and the outbox relay that publishes the
audit events of endpoint changes) and the dispatcher app (the delivery workers)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from fastapi import FastAPI

from pikit.app import run_forever
from pikit.ratelimit import RateLimit
from pikit.service import consumer_app as kit_consumer_app
from pikit.service import database_api_app, extend_lifespan
from pikit.settings import InfraSettings
from webhooks import api, handlers, secretbox, store
from webhooks.dispatcher import Dispatcher
from webhooks.foreground import ForegroundGate
from webhooks.secretbox import SecretBox
from webhooks.sender import Sender
from webhooks.settings import WebhooksSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def api_app() -> FastAPI:
    settings, infra = WebhooksSettings(), InfraSettings()
    box = secret_box(settings)
    app = database_api_app("webhooks", store.SCHEMA, MIGRATIONS, pool_size=settings.pool_size,
                           description="Webhook endpoints, signed deliveries, the delivery log.")
    app.state.settings = settings
    app.state.secrets = box
    app.state.test_pings = RateLimit(infra.redis_url, infra.bus_namespace, "webhook-test-pings",
                                     f"{settings.test_pings_per_minute}/minute")

    async def start(a: FastAPI) -> None:
        # Before the first request: plaintext left from before encryption, and secrets under an
        # older key, are (re-)encrypted under the newest key; a key that decrypts none stops here.
        await secretbox.encrypt_stored_secrets(a.state.pool, box)
        a.state.sender = Sender(settings)

    async def stop(a: FastAPI) -> None:
        await a.state.sender.close()

    extend_lifespan(app, start, stop)
    app.include_router(api.router)
    return app


def consumer_app() -> FastAPI:
    """The bus side: every subscribed event becomes stored deliveries (see handlers)."""
    settings = WebhooksSettings()
    gate = foreground_gate(settings)

    def subscribe(bus, pool) -> None:
        bus.subscribe("webhooks.events", handlers.routes(pool, gate), prefetch=200)

    app = kit_consumer_app("webhooks-consumer", handlers.SOURCE, subscribe, schema=store.SCHEMA,
                           migrations=MIGRATIONS, pool_size=settings.pool_size)

    async def start(a: FastAPI) -> None:
        _lower_cpu_priority(settings)
        a.state.gate_task = asyncio.create_task(run_forever("foreground gate", gate.run))

    async def stop(a: FastAPI) -> None:
        a.state.gate_task.cancel()
        await asyncio.gather(a.state.gate_task, return_exceptions=True)

    extend_lifespan(app, start, stop)
    return app


DISPATCHER_DB_SETTINGS = {
    # Its commits do not wait for the WAL flush: whatever a database crash loses of them (a
    # lease, a recorded attempt) means the delivery is sent again, with the same webhook-id:
    # at least once, as documented.
    "synchronous_commit": "off",
    # Each execution of its statements is planned for the table as it is then. The deliveries
    # table grows from nothing to tens of thousands of rows in seconds (a burst of events);
    # a generic plan that PostgreSQL kept from when it was small read the whole table on every
    # claim (seen at 20,000 rows: 5 ms per claim, more CPU than the sending). Planning
    # costs a fraction of a millisecond per statement.
    "plan_cache_mode": "force_custom_plan",
}


def dispatcher_app() -> FastAPI:
    """The delivery workers, in a process of their own: sending is the costly part (about a
    millisecond of CPU per delivery), and apart from the bus consumer it gets a core to itself."""
    settings = WebhooksSettings()
    box = secret_box(settings)
    app = database_api_app("webhooks-dispatcher", store.SCHEMA, MIGRATIONS,
                           pool_size=settings.pool_size + settings.workers // 4,
                           description="Sends the stored webhook deliveries (health endpoints only).",
                           server_settings=DISPATCHER_DB_SETTINGS)

    async def start(a: FastAPI) -> None:
        await secretbox.check_stored_secrets(a.state.pool, box)  # a wrong key stops it here, not per delivery
        _lower_cpu_priority(settings)
        a.state.sender = Sender(settings)
        gate = foreground_gate(settings)
        a.state.dispatcher = Dispatcher(a.state.pool, a.state.sender, settings, box, gate=gate)
        a.state.tasks = [asyncio.create_task(run_forever("dispatcher", a.state.dispatcher.run)),
                         asyncio.create_task(run_forever("foreground gate", gate.run))]

    async def stop(a: FastAPI) -> None:
        for task in a.state.tasks:
            task.cancel()
        await asyncio.gather(*a.state.tasks, return_exceptions=True)
        await a.state.dispatcher.stop()
        await a.state.sender.close()

    extend_lifespan(app, start, stop)
    return app


def secret_box(settings: WebhooksSettings) -> SecretBox:
    """The keys of the secrets at rest; SecretKeyError (the process does not start) when they are
    missing or malformed. The consumer needs none: it never reads a secret."""
    return SecretBox.from_setting(settings.secret_keys.get_secret_value())


def foreground_gate(settings: WebhooksSettings) -> ForegroundGate:
    return ForegroundGate(yield_above=settings.yield_above_cpu, busy_pause=settings.busy_pause_seconds,
                          busy_rate=settings.busy_rate)


def _lower_cpu_priority(settings: WebhooksSettings) -> None:
    """"Never in the way": the APIs people wait on win whenever CPU is short. With nice 10 the
    catalog's first page was 37-68 % slower while 10,000 deliveries drained at full speed (a
    probe of the bench's webhook step, 3 rounds); under SCHED_IDLE it was within the noise."""
    if settings.sched_idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif settings.nice:
        os.nice(settings.nice)
