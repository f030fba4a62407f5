"""Property-based test of the catalog API against its own OpenAPI document: whatever valid or
invalid requests schemathesis derives from it, the service never answers with a 5xx."""

from __future__ import annotations

import os
import threading
import time

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from catalog.service import api_app
from tests.support.stack import free_port

schema = schemathesis.openapi.from_dict(api_app().openapi())


@pytest.fixture(scope="module")
def base_url(api_database_url):
    """The real app under uvicorn on a free port, over this module's own database."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = api_database_url
    try:
        app = api_app()
    finally:
        if previous is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = previous
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the catalog API did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_never_answers_with_a_server_error(case, base_url):
    case.call_and_validate(base_url=base_url, checks=[not_a_server_error], timeout=10)
