"""What every service's HTTP app answers when a handler fails unexpectedly."""

from __future__ import annotations

import httpx
import pytest

from pikit.app import create_app
from pikit.auth import require
from tests.support.auth import principal_header

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_unexpected_error_is_a_500_that_closes_the_connection():
    app = create_app("test")

    @app.get("/boom", dependencies=[require("viewer")])
    async def boom():
        raise RuntimeError("deadlock detected")

    # Starlette re-raises after sending the 500 and uvicorn then closes the connection: without
    # "Connection: close" a client would send its next request on it and lose that one too.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom", headers={"x-correlation-id": "c-1", **principal_header("viewer")})
    assert response.status_code == 500
    assert response.headers["connection"] == "close"
    assert response.headers["x-correlation-id"] == "c-1"
    assert response.json()["error"]["code"] == "internal_error"
    assert "deadlock" not in response.text  # the cause is logged, not shown
