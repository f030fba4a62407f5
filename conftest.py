"""Fixtures for integration tests of single services: a scratch database and a bus
namespace of their own on the real PostgreSQL and RabbitMQ, removed afterwards."""

from __future__ import annotations

import uuid

import pytest

from tests.support.stack import AMQP_URL, delete_queues, scratch_database


@pytest.fixture(scope="session")
async def scratch_database_url():
    async with scratch_database() as url:
        yield url


@pytest.fixture(scope="session")
async def bus_namespace():
    namespace = f"t{uuid.uuid4().hex[:10]}"
    yield namespace
    await delete_queues(namespace)


@pytest.fixture(scope="session")
def amqp_url() -> str:
    return AMQP_URL


# Before any app is built: the key services verify principals with (tests sign their own).
import tests.support.auth  # noqa: E402,F401
