"""Fixtures for integration tests of single services: a scratch database and a bus
namespace of their own on the real PostgreSQL and RabbitMQ, removed afterwards."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.support.stack import AMQP_URL, database_url, delete_queues


@pytest.fixture(scope="session")
async def scratch_database_url():
    name = f"pi_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url("postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def bus_namespace():
    namespace = f"t{uuid.uuid4().hex[:10]}"
    yield namespace
    await delete_queues(namespace)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return AMQP_URL
