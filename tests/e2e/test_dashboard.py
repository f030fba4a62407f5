"""The dashboard in headless Chromium against the real stack.

Every service a process (tests/support/stack.py, a stack of its own so that the screens show
only what the scenarios made), an nginx edge on a free port rendered from the project's own
templates serving the built ``frontend/dist`` and the ``/api/*`` routes, and a webhook
receiver. The scenarios themselves are Node scripts, ``frontend/e2e/*.test.mjs`` (Playwright
with Debian's chromium, axe-core), run by ``frontend/e2e/run.mjs``; this test starts what they
need, runs them and fails with their output. Screenshots go to ``.var/screenshots/e2e/``.

Every /api request needs a principal: the scenarios sign in as one user per role (made here
through the accounts command line, their temporary passwords changed through the edge the way
the dashboard's first sign-in does) and set data up with an admin API key.

Needs Node.js and chromium (``make test`` installs chromium); skipped with PI_SKIP_FRONTEND=1.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.edge import Edge
from tests.support.receiver import WebhookReceiver
from tests.support.stack import Stack

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    # Starting nine services and building the dashboard on a busy machine can take minutes.
    pytest.mark.timeout(600),
    pytest.mark.skipif(os.environ.get("PI_SKIP_FRONTEND") == "1", reason="PI_SKIP_FRONTEND=1"),
]

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / ".var/screenshots/e2e"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
NODE_TIMEOUT = 300  # the scenarios take well under a minute on an idle machine
ROLES = ("viewer", "editor", "admin")


def make_accounts(stack: Stack, edge: Edge) -> dict:
    """One user per role with a permanent password, and an admin API key (``e2e-admin``).

    A new user's password is a temporary one that the edge lets do nothing but change it; the
    change goes through the edge as the dashboard's does: sign in, then POST /api/auth/password
    with the session cookie and this site's Origin (a state-changing request with a cookie needs it).
    """
    users = {}
    for role in ROLES:
        email = f"{role}@e2e.test"
        temporary = stack.add_user(email, role)
        password = f"e2e-{role}-{secrets.token_urlsafe(12)}"
        with httpx.Client(base_url=edge.url, headers={"Origin": edge.url}, timeout=30) as client:
            signed_in = client.post("/api/auth/login", json={"email": email, "password": temporary})
            assert signed_in.status_code == 200, f"sign-in of {email}: {signed_in.status_code} {signed_in.text}"
            changed = client.post("/api/auth/password", json={"current_password": temporary, "new_password": password})
            assert changed.status_code == 204, f"password change of {email}: {changed.status_code} {changed.text}"
            client.post("/api/auth/logout")
        users[role] = {"email": email, "password": password}
    return {"users": users, "api_key": stack.api_key("admin", name="e2e-admin")}


def start_build() -> subprocess.Popen:
    """``npm run build`` when a source is newer than frontend/dist (in the background)."""
    return subprocess.Popen([str(ROOT / "deploy/local/ensure-frontend.sh"), "build"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
async def dashboard(tmp_path_factory):
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the dashboard's browser tests need Node.js >= 20.19")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no chromium at {CHROMIUM} (make test installs it; or set CHROMIUM_PATH)")
    root = tmp_path_factory.mktemp("dashboard")
    build = start_build()  # builds while the services start: both take seconds
    stack = Stack(root / "stack", extra_env={
        "UPLOAD_MAX_BYTES": str(8 * 1024 * 1024),
        "IMPORT_WORKER_BATCH_SIZE": "1000",
        # The receiver listens on 127.0.0.1; retries every second or two, not minutes.
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
        "WEBHOOKS_RETRY_SCHEDULE": "1,2,4",
        "WEBHOOKS_POLL_SECONDS": "0.5",
    })
    receiver = WebhookReceiver().start()
    edge = None
    started = time.monotonic()
    try:
        stack.start(timeout=180)  # nine Python processes at once: slow on a small, busy machine
        stack_ready = time.monotonic()
        output, _ = build.communicate(timeout=600)
        if build.returncode != 0 or not (FRONTEND / "dist/index.html").exists():
            pytest.fail(f"the dashboard did not build (deploy/local/ensure-frontend.sh build):\n{output}")
        edge = Edge.for_stack(root / "edge", stack, web_root=FRONTEND / "dist")
        edge.start()
        accounts = make_accounts(stack, edge)
        print(f"\nsetup: services ready in {stack_ready - started:.1f}s, dashboard built, edge up and users "
              f"made {time.monotonic() - stack_ready:.1f}s later")
        yield stack, edge, receiver, accounts
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        if edge is not None:
            edge.stop()
        receiver.stop()
        stack.stop()
        await stack.drop_everything()


async def test_dashboard_scenarios_in_chromium(dashboard):
    stack, edge, receiver, accounts = dashboard
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's screens
    env = {**os.environ, "E2E_BASE_URL": edge.url, "E2E_API_URL": f"{edge.url}/api",
           "E2E_RECEIVER_URL": receiver.url, "E2E_SCREENSHOT_DIR": str(SCREENSHOTS), "CHROMIUM_PATH": CHROMIUM,
           "NO_COLOR": "1",
           # Who the scenarios are (lib.mjs signIn, api).
           "E2E_USERS": json.dumps(accounts["users"]), "E2E_API_KEY": accounts["api_key"],
           # The stack is this test's own: products.test.mjs may empty its catalog.
           "E2E_ALLOW_DELETE_ALL": "1"}
    # Awaited in the event loop, so that nothing of this process blocks while node runs.
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        "node", str(FRONTEND / "e2e/run.mjs"), cwd=FRONTEND, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), NODE_TIMEOUT)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        pytest.fail(f"the browser scenarios did not end in {NODE_TIMEOUT}s:\n{out.decode(errors='replace')}")
    output = out.decode(errors="replace")
    if proc.returncode != 0:
        logs = "\n".join(f"--- {name} (last lines)\n{stack.log_tail(name, 15)}" for name in stack.procs)
        pytest.fail(f"browser scenarios failed (node exit {proc.returncode}); screenshots in {SCREENSHOTS}\n"
                    f"{output}\n{logs}", pytrace=False)
    print(output)
    print(f"browser scenarios: {time.monotonic() - started:.1f}s")
