"""Nothing is reachable without a principal, each role gets what it may, and a browser's session
cannot be used from another site: every service as a process behind the project's nginx edge."""

from __future__ import annotations

import asyncio
import time
import uuid
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from pikit.auth import ROLES
from tests.support.auth import principal_header
from tests.support.edge import Edge
from tests.support.stack import Stack

pytestmark = pytest.mark.asyncio(loop_scope="session")

APIS = ("accounts", "upload", "catalog", "progress", "webhooks")
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("POST", "/auth/login"), ("POST", "/auth/logout")}
# Values for path parameters that name nothing: a request gets as far as its checks, and changes nothing.
DUMMY = {"job_id": str(uuid.uuid4()), "product_id": "999999", "endpoint_id": str(uuid.uuid4()),
         "delivery_id": str(uuid.uuid4()), "user_id": "999999", "key_id": "999999"}
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
async def edge_stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("access")
    stack = Stack(root, extra_env={"UPLOAD_UPLOADS_RATE": "4/minute", "WEBHOOKS_TEST_PINGS_PER_MINUTE": "3"})
    async with stack.running():
        edge = Edge.for_stack(root / "edge", stack)
        await asyncio.to_thread(edge.start)
        try:
            keys = {role: await asyncio.to_thread(stack.api_key, role, f"access-{role}") for role in ROLES}
            yield stack, edge, keys
        finally:
            edge.stop()


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def operations(stack: Stack, with_service: bool = False) -> list[tuple]:
    """(method, path, x-required-role) of every operation of every service's OpenAPI document
    (``with_service``: preceded by the service's name)."""
    found = []
    async with httpx.AsyncClient(timeout=30) as client:
        for api in APIS:
            document = (await client.get(f"{stack.url(f'{api}-api')}/openapi.json")).json()
            for path, methods in document["paths"].items():
                for method, operation in methods.items():
                    found.append((*((api,) if with_service else ()), method.upper(), path,
                                  operation.get("x-required-role")))
    return found


def concrete(path: str) -> str:
    return path.format(**DUMMY)


async def call(client: httpx.AsyncClient, method: str, path: str, **kwargs) -> httpx.Response:
    """The status and head of the answer; a stream (SSE, export) is not read to its end."""
    async with client.stream(method, path, **kwargs) as response:
        if response.headers.get("content-type", "").startswith("application/json"):
            await response.aread()
        return response


@asynccontextmanager
async def signed_in(edge: Edge, stack: Stack, email: str, role: str):
    """A browser-like client (its pages' Origin) with the session of a new user whose password has
    been made permanent."""
    temporary = await asyncio.to_thread(stack.add_user, email, role)
    async with httpx.AsyncClient(base_url=edge.url, timeout=30, headers={"origin": edge.url}) as client:
        assert (await client.post("/api/auth/login", json={"email": email, "password": temporary})).status_code == 200
        changed = await client.post("/api/auth/password", json={"current_password": temporary,
                                                                 "new_password": PASSWORD})
        assert changed.status_code == 204, changed.text
        yield client


# --- every route --------------------------------------------------------------------------------

async def test_every_route_of_every_service_answers_401_without_credentials(edge_stack):
    stack, edge, _ = edge_stack
    routes = await operations(stack)
    assert {("POST", "/imports"), ("DELETE", "/products"), ("GET", "/progress/imports/{job_id}"),
            ("POST", "/webhooks"), ("POST", "/api-keys"), ("GET", "/audit")} <= {(m, p) for m, p, _ in routes}
    forged = principal_header("admin")  # signed with the real key, but sent by the client: the edge drops it
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        for method, path, role in routes:
            if (method, path) in PUBLIC:
                assert role is None
                continue
            assert role in ROLES, f"{method} {path} documents no role"
            for headers in ({}, forged, bearer("pik_not-a-key")):
                response = await call(client, method, f"/api{concrete(path)}", headers=headers)
                assert response.status_code == 401, (method, path, headers, response.status_code)
                assert response.json()["error"]["code"] in ("not_authenticated", "invalid_api_key")
                assert "location" not in response.headers  # never a redirect under /api


async def test_a_service_reached_without_the_edge_refuses_every_route(edge_stack):
    stack, _, _ = edge_stack
    async with httpx.AsyncClient(timeout=30) as client:
        for service, method, path, _ in await operations(stack, with_service=True):
            if (method, path) in PUBLIC:
                continue
            response = await call(client, method, f"{stack.url(f'{service}-api')}{concrete(path)}",
                                  headers={"authorization": f"Bearer {edge_stack[2]['admin']}"})
            assert response.status_code == 401, (method, path)


async def test_each_role_gets_403_exactly_where_its_role_is_too_low(edge_stack):
    stack, edge, keys = edge_stack
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        for method, path, required in await operations(stack):
            if (method, path) in PUBLIC:
                continue
            for role in ROLES:
                response = await call(client, method, f"/api{concrete(path)}", headers=bearer(keys[role]))
                code = response.json()["error"]["code"] if response.status_code >= 400 and \
                    response.headers.get("content-type", "").startswith("application/json") else None
                too_low = ROLES.index(role) < ROLES.index(required)
                assert (code == "forbidden") == too_low, (role, method, path, response.status_code, code)
                assert response.status_code != 401, (role, method, path)


async def test_the_role_matrix_on_real_requests(edge_stack):
    stack, edge, keys = edge_stack
    csv = b"sku,name\r\nROLE-1,Lamp\r\n"
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        async def as_(role, method, path, **kwargs):
            return (await client.request(method, f"/api{path}", headers=bearer(keys[role]), **kwargs)).status_code

        expected = {  # (method, path, kwargs): viewer, editor, admin
            ("GET", "/products", None): (200, 200, 200),
            ("GET", "/imports", None): (200, 200, 200),
            ("GET", "/products/export.csv", None): (403, 200, 200),
            ("POST", "/imports", "file"): (403, 202, 202),
            ("POST", "/products", "json"): (403, 201, 201),
            ("GET", "/webhooks", None): (403, 403, 200),
            ("GET", "/users", None): (403, 403, 200),
            ("GET", "/api-keys", None): (403, 403, 200),
            ("GET", "/audit", None): (403, 403, 200),
            ("DELETE", "/products?confirm=true", None): (403, 403, 200),
        }
        for (method, path, body), statuses in expected.items():
            for role, status in zip(ROLES, statuses):
                kwargs = {}
                if body == "file":
                    kwargs["files"] = {"file": ("roles.csv", csv, "text/csv")}
                elif body == "json":
                    kwargs["json"] = {"sku": f"ROLE-{role}-{uuid.uuid4().hex[:6]}", "name": "x"}
                assert await as_(role, method, path, **kwargs) == status, (role, method, path)


# --- browsers ------------------------------------------------------------------------------------

async def test_a_session_cannot_be_used_from_another_origin(edge_stack):
    stack, edge, _ = edge_stack
    async with signed_in(edge, stack, "csrf@example.com", "editor") as browser:
        cookie = browser.cookies.get("pi_session")
        assert cookie
        product = {"sku": "CSRF-1", "name": "Kettle"}
        for origin in ("http://evil.example", "null"):
            refused = await browser.post("/api/products", json=product, headers={"origin": origin})
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "cross_origin_request"
        # No Origin and no Referer at all: not from our pages either.
        bare = httpx.AsyncClient(base_url=edge.url, cookies={"pi_session": cookie})
        async with bare:
            assert (await bare.post("/api/products", json=product)).status_code == 403
            assert (await bare.get("/api/products")).status_code == 200  # reading is not a state change
            referred = await bare.post("/api/products", json=product, headers={"referer": f"{edge.url}/products"})
            assert referred.status_code == 201
        assert (await browser.delete(f"/api/products/{referred.json()['id']}")).status_code == 204
        assert (await stack_product_count(stack, "CSRF-1")) == 0


async def stack_product_count(stack: Stack, sku: str) -> int:
    conn = await asyncpg.connect(stack.database_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM catalog.products WHERE sku = $1", sku)
    finally:
        await conn.close()


async def test_the_session_cookie_is_http_only_and_same_site_and_ends_on_sign_out(edge_stack):
    stack, edge, _ = edge_stack
    async with signed_in(edge, stack, "cookie@example.com", "viewer") as browser:
        login = await browser.post("/api/auth/login", json={"email": "cookie@example.com", "password": PASSWORD})
        attributes = login.headers["set-cookie"].lower()
        assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
        assert "secure" not in attributes  # served over http here; Secure with an https PUBLIC_ORIGIN
        me = (await browser.get("/api/auth/me")).json()
        assert (me["kind"], me["name"], me["role"], me["must_change_password"]) == \
            ("user", "cookie@example.com", "viewer", False)
        assert me["session_expires_at"]
        token = browser.cookies.get("pi_session")
        assert (await browser.post("/api/auth/logout")).status_code == 204
        async with httpx.AsyncClient(base_url=edge.url, cookies={"pi_session": token}) as old:
            signed_out = time.monotonic()
            while (response := await old.get("/api/products")).status_code != 401:
                assert time.monotonic() - signed_out < 6, "the session still works after signing out"
                await asyncio.sleep(0.2)  # the edge keeps the check's answer up to 5 s
            assert response.json()["error"]["code"] == "session_expired"


async def test_a_session_ends_after_its_idle_time_and_at_its_absolute_end(edge_stack):
    stack, edge, _ = edge_stack
    conn = await asyncpg.connect(stack.database_url)
    try:
        async with signed_in(edge, stack, "idle@example.com", "viewer") as idle, \
                signed_in(edge, stack, "absolute@example.com", "viewer") as absolute:
            for email, change in (("idle@example.com", "last_seen_at = now() - interval '3 hours'"),
                                  ("absolute@example.com", "expires_at = now() - interval '1 second'")):
                await conn.execute(f"UPDATE accounts.sessions s SET {change} FROM accounts.users u "
                                   "WHERE u.id = s.user_id AND u.email = $1", email)
            await asyncio.sleep(5.5)  # past the edge's cache of the check's answers
            for browser in (idle, absolute):
                response = await browser.get("/api/products")
                assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"
    finally:
        await conn.close()


async def test_a_new_user_must_change_the_generated_password_first(edge_stack):
    stack, edge, _ = edge_stack
    temporary = await asyncio.to_thread(stack.add_user, "new@example.com", "editor")
    async with httpx.AsyncClient(base_url=edge.url, timeout=30, headers={"origin": edge.url}) as browser:
        me = (await browser.post("/api/auth/login", json={"email": "NEW@example.com", "password": temporary})).json()
        assert me["must_change_password"] is True
        blocked = await browser.get("/api/products")
        assert blocked.status_code == 403 and blocked.json()["error"]["code"] == "password_change_required"
        short = await browser.post("/api/auth/password", json={"current_password": temporary, "new_password": "short"})
        assert short.status_code == 422 and short.json()["error"]["fields"][0]["field"] == "new_password"
        assert (await browser.post("/api/auth/password", json={"current_password": temporary,
                                                               "new_password": PASSWORD})).status_code == 204
        assert (await browser.get("/api/products")).status_code == 200


async def test_guessing_a_password_is_stopped(edge_stack):
    stack, edge, _ = edge_stack
    async with signed_in(edge, stack, "target@example.com", "admin"):
        pass
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as attacker:
        statuses = [(await attacker.post("/api/auth/login", json={"email": "target@example.com",
                                                                  "password": f"guess-{i}"})).status_code
                    for i in range(5)]
        assert statuses == [401] * 5
        locked = await attacker.post("/api/auth/login", json={"email": "Target@Example.com", "password": PASSWORD})
        assert locked.status_code == 429 and locked.json()["error"]["code"] == "rate_limited"
        assert 0 < int(locked.headers["retry-after"]) <= 15 * 60


async def test_an_unknown_host_is_refused(edge_stack):
    _, edge, keys = edge_stack
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        for path in ("/", "/api/products"):
            response = await client.get(path, headers={"host": "rebound.attacker.example", **bearer(keys["admin"])})
            assert response.status_code == 421 and response.json()["error"]["code"] == "host_not_allowed"
        assert (await client.get("/api/products", headers=bearer(keys["admin"]))).status_code == 200


async def test_json_bodies_need_their_content_type_and_are_bounded(edge_stack):
    _, edge, keys = edge_stack
    async with httpx.AsyncClient(base_url=edge.url, timeout=30, headers=bearer(keys["editor"])) as client:
        untyped = await client.post("/api/products", content=b'{"sku": "NO-TYPE", "name": "x"}')
        assert untyped.status_code == 415 and untyped.json()["error"]["code"] == "unsupported_media_type"
        big = await client.post("/api/products", content=b'{"sku": "' + b"x" * (1024 * 1024 + 1) + b'"}',
                                headers={"content-type": "application/json"})
        assert big.status_code == 413 and big.json()["error"]["code"] == "body_too_large"


# --- keys ----------------------------------------------------------------------------------------

async def test_a_revoked_key_is_refused_within_seconds(edge_stack):
    stack, edge, keys = edge_stack
    doomed = await asyncio.to_thread(stack.api_key, "viewer", "doomed")
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        assert (await client.get("/api/products", headers=bearer(doomed))).status_code == 200
        listed = (await client.get("/api/api-keys", headers=bearer(keys["admin"]))).json()["items"]
        entry = next(k for k in listed if k["name"] == "doomed")
        assert entry["last_used_at"] is not None and doomed.startswith(entry["prefix"])
        assert (await client.delete(f"/api/api-keys/{entry['id']}", headers=bearer(keys["admin"]))).status_code == 200
        revoked_at = time.monotonic()
        while (status := (await client.get("/api/products", headers=bearer(doomed))).status_code) != 401:
            assert time.monotonic() - revoked_at < 6, "a revoked key still works"
            await asyncio.sleep(0.2)


async def test_keys_are_stored_hashed_and_shown_once(edge_stack):
    stack, edge, keys = edge_stack
    async with httpx.AsyncClient(base_url=edge.url, timeout=30, headers=bearer(keys["admin"])) as client:
        created = (await client.post("/api/api-keys", json={"name": "ci-nightly", "role": "editor"})).json()
        key = created["key"]
        assert key.startswith("pik_") and created["api_key"]["role"] == "editor"
        listed = (await client.get("/api/api-keys")).text
        assert key not in listed
    conn = await asyncpg.connect(stack.database_url)
    try:
        stored = await conn.fetchrow("SELECT * FROM accounts.api_keys WHERE name = 'ci-nightly'")
        assert key.encode() not in b"".join(str(v).encode() for v in stored.values())
        hashes = await conn.fetch("SELECT password_hash FROM accounts.users")
        assert all(h["password_hash"].startswith("$argon2id$") for h in hashes)
    finally:
        await conn.close()


# --- who did it ----------------------------------------------------------------------------------

async def test_the_principal_travels_with_the_work(edge_stack):
    stack, edge, keys = edge_stack
    nightly = await asyncio.to_thread(stack.api_key, "editor", "ci-nightly")
    async with signed_in(edge, stack, "ops@example.com", "admin") as browser, httpx.AsyncClient(base_url=edge.url, timeout=30, headers=bearer(nightly)) as script:
        upload = await script.post("/api/imports", files={"file": ("who.csv", b"sku,name\r\nWHO-1,Lamp\r\n", "text/csv")})
        assert upload.status_code == 202 and upload.json()["created_by"] == "key:ci-nightly"
        job = await wait_for_edge_job(script, upload.json()["id"])
        assert job["status"] == "completed" and job["created_by"] == "key:ci-nightly"
        product = (await browser.get("/api/products", params={"sku": "WHO-1"})).json()["items"][0]
        edited = await browser.patch(f"/api/products/{product['id']}", json={"name": "Desk lamp"})
        assert edited.status_code == 200
        history = (await browser.get(f"/api/products/{product['id']}/history")).json()["items"]
        assert [(h["action"], h["source"], h["actor"]) for h in history] == [
            ("updated", "api", "user:ops@example.com"), ("created", "import", "key:ci-nightly")]
        assert (await browser.delete("/api/products", params={"confirm": "true"})).status_code == 200
        deadline = time.monotonic() + 20
        while True:
            audit = (await browser.get("/api/audit", params={"action": "products"})).json()["items"]
            mine = [e for e in audit if e["actor"] == "user:ops@example.com"]
            if mine:
                break
            assert time.monotonic() < deadline, f"the bulk delete never reached the audit log: {audit}"
            await asyncio.sleep(0.2)
        assert (mine[0]["action"], mine[0]["source"], mine[0]["details"]["count"]) == \
            ("products.bulk_deleted", "catalog", mine[0]["details"]["count"])
        assert mine[0]["target"] == f"{mine[0]['details']['count']} products"
        users = (await browser.get("/api/audit", params={"action": "user.created"})).json()["items"]
        assert any(e["target"] == "user ops@example.com" and e["actor"] == "system:cli" for e in users)


async def wait_for_edge_job(client: httpx.AsyncClient, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = (await client.get(f"/api/imports/{job_id}")).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.2)


async def test_an_upload_over_the_json_limit_streams_through_the_check(edge_stack):
    stack, edge, _ = edge_stack
    key = await asyncio.to_thread(stack.api_key, "editor", "big-file")
    rows = b"".join(b"BIG-%d,A product with a long enough name to add up %d\r\n" % (i, i) for i in range(40_000))
    assert len(rows) > 2 * 1024 * 1024
    async with httpx.AsyncClient(base_url=edge.url, timeout=60, headers=bearer(key)) as client:
        response = await client.post("/api/imports", files={"file": ("big.csv", b"sku,name\r\n" + rows, "text/csv")})
        assert response.status_code == 202, response.text
        assert (await wait_for_edge_job(client, response.json()["id"]))["inserted"] == 40_000


async def test_uploads_are_rate_limited_per_principal(edge_stack):
    stack, edge, _ = edge_stack
    busy = await asyncio.to_thread(stack.api_key, "editor", "busy")
    other = await asyncio.to_thread(stack.api_key, "editor", "other")
    files = {"file": ("r.csv", b"sku,name\r\nRATE-1,Lamp\r\n", "text/csv")}
    async with httpx.AsyncClient(base_url=edge.url, timeout=30) as client:
        statuses = [(await client.post("/api/imports", files=files, headers=bearer(busy))).status_code
                    for _ in range(5)]
        assert statuses == [202] * 4 + [429]
        limited = await client.post("/api/imports", files=files, headers=bearer(busy))
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        assert (await client.post("/api/imports", files=files, headers=bearer(other))).status_code == 202


async def test_without_the_accounts_service_every_api_request_is_refused_with_503(edge_stack):
    """Last: it stops accounts. The check cannot be made, so nothing passes, and says so."""
    stack, edge, keys = edge_stack
    stack.kill("accounts-api")
    async with httpx.AsyncClient(base_url=edge.url, timeout=30, headers=bearer(keys["admin"])) as client:
        response = await client.get("/api/products")
        assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
        assert response.headers["retry-after"]
        assert (await client.get("/healthz")).status_code == 200
