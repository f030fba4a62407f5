"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.support.auth import As
from tests.support.stack import Stack


@pytest.fixture(scope="session")
async def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("stack"), extra_env={
        "UPLOAD_MAX_BYTES": str(8 * 1024 * 1024),
        "IMPORT_WORKER_BATCH_SIZE": "1000",
    })
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        await stack.drop_everything()


@pytest.fixture(scope="session")
async def db(stack):
    conn = await asyncpg.connect(stack.database_url)
    yield conn
    await conn.close()


@pytest.fixture
async def uploads(stack):
    async with httpx.AsyncClient(base_url=stack.url("upload-api"), timeout=30, auth=As("editor")) as client:
        yield client
