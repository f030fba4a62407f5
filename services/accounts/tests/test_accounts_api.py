"""The accounts API in-process over a database of its own (real PostgreSQL and Redis): signing in,
users, keys, the edge's check, and the audit log."""

from __future__ import annotations

import uuid

import httpx
import pytest

from accounts import audit, store
from accounts.check import AuthCheck
from accounts.service import MIGRATIONS, api_app
from pikit.auth import PrincipalSigner
from pikit.db import create_pool, migrate
from pikit.events import ProductsBulkDeleted, new_event
from tests.support.auth import SIGNING_KEY, As
from tests.support.stack import scratch_database

pytestmark = pytest.mark.asyncio(loop_scope="session")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
async def pool():
    async with scratch_database() as url:
        pool = await create_pool(url, store.SCHEMA)
        await migrate(pool, store.SCHEMA, MIGRATIONS)
        yield pool
        await pool.close()


@pytest.fixture(scope="module")
def app(pool):
    app = api_app()
    app.state.pool = pool  # the lifespan would do this; ASGITransport does not run it
    app.state.check = AuthCheck(pool, app.state.settings, PrincipalSigner(SIGNING_KEY), app.state.public_origin)
    return app


@pytest.fixture
async def admin(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://accounts",
                                 auth=As("admin", "lead@example.com")) as client:
        yield client


def browser(app, origin: str = "http://accounts") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://accounts",
                             headers={"origin": origin})


async def check(app, **headers) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://accounts") as client:
        return await client.get("/internal/auth-check", headers=headers)


async def new_user(admin, role: str = "editor", permanent: bool = True, app=None) -> tuple[dict, str]:
    email = f"u{uuid.uuid4().hex[:8]}@example.com"
    created = await admin.post("/users", json={"email": email, "role": role})
    assert created.status_code == 201, created.text
    user, password = created.json()["user"], created.json()["password"]
    if permanent:
        async with browser(app) as b:
            assert (await b.post("/auth/login", json={"email": email, "password": password})).status_code == 200
            token = b.cookies["pi_session"]
            principal = (await check(app, cookie=f"pi_session={token}",
                                     **{"x-original-uri": "/api/auth/password"})).headers["x-principal"]
            changed = await b.post("/auth/password", json={"current_password": password, "new_password": PASSWORD},
                                   headers={"x-principal": principal})
            assert changed.status_code == 204, changed.text
        password = PASSWORD
    return user, password


async def sign_in(app, email: str, password: str = PASSWORD) -> str:
    async with browser(app) as b:
        response = await b.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return b.cookies["pi_session"]


async def test_the_cookie_is_secure_when_the_public_origin_is_https(app, admin):
    user, _ = await new_user(admin, app=app)
    async with browser(app) as b:
        plain = await b.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
        assert "secure" not in plain.headers["set-cookie"].lower()
    app.state.public_origin = "https://shop.example.com"
    try:
        async with browser(app, "https://shop.example.com") as b:
            secure = await b.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
            assert secure.status_code == 200 and "; secure" in secure.headers["set-cookie"].lower()
    finally:
        app.state.public_origin = "http://localhost:8080"


async def test_signing_in_from_another_site_is_refused(app, admin):
    user, _ = await new_user(admin, app=app)
    async with browser(app, "http://evil.example") as b:
        response = await b.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
        assert response.status_code == 403 and "set-cookie" not in response.headers


async def test_a_disabled_user_cannot_sign_in_and_their_sessions_end(app, admin):
    user, _ = await new_user(admin, app=app)
    token = await sign_in(app, user["email"])
    assert (await check(app, cookie=f"pi_session={token}")).status_code == 200
    disabled = await admin.patch(f"/users/{user['id']}", json={"disabled": True})
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    refused = await check(app, cookie=f"pi_session={token}")
    assert refused.status_code == 401 and "session_expired" in refused.headers["x-auth-error"]
    async with browser(app) as b:
        again = await b.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
        assert again.status_code == 401 and again.json()["error"]["code"] == "invalid_credentials"


async def test_the_last_active_admin_stays_an_admin(app, admin, pool):
    async with pool.acquire() as conn:
        await conn.execute("UPDATE users SET role = 'viewer' WHERE role = 'admin'")
    first, _ = await new_user(admin, "admin", app=app)
    for change in ({"role": "editor"}, {"disabled": True}):
        refused = await admin.patch(f"/users/{first['id']}", json=change)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "last_admin"
    second, _ = await new_user(admin, "admin", app=app)
    assert (await admin.patch(f"/users/{first['id']}", json={"role": "editor"})).json()["role"] == "editor"
    assert (await admin.patch(f"/users/{second['id']}", json={"disabled": True})).status_code == 409


async def test_a_reset_password_is_new_temporary_and_ends_every_session(app, admin):
    user, _ = await new_user(admin, app=app)
    token = await sign_in(app, user["email"])
    reset = await admin.post(f"/users/{user['id']}/reset-password")
    assert reset.status_code == 200 and reset.json()["user"]["must_change_password"] is True
    assert (await check(app, cookie=f"pi_session={token}")).status_code == 401
    fresh = await sign_in(app, user["email"], reset.json()["password"])
    blocked = await check(app, cookie=f"pi_session={fresh}", **{"x-original-uri": "/api/products"})
    assert blocked.status_code == 403 and "password_change_required" in blocked.headers["x-auth-error"]


async def test_the_check_refuses_a_revoked_key(app, admin):
    created = (await admin.post("/api-keys", json={"name": "ci-nightly", "role": "editor"})).json()
    key = created["key"]
    answer = await check(app, authorization=f"Bearer {key}")
    principal = PrincipalSigner(SIGNING_KEY).verify(answer.headers["x-principal"])
    assert (principal.kind, principal.name, principal.role) == ("key", "ci-nightly", "editor")
    revoked = await admin.delete(f"/api-keys/{created['api_key']['id']}")
    assert revoked.json()["revoked_by"] == "user:lead@example.com"
    assert (await check(app, authorization=f"Bearer {key}")).status_code == 401
    again = await admin.delete(f"/api-keys/{created['api_key']['id']}")
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_every_change_to_users_and_keys_is_in_the_audit_log(app, admin):
    user, _ = await new_user(admin, "viewer", permanent=False, app=app)
    await admin.patch(f"/users/{user['id']}", json={"role": "editor"})
    key = (await admin.post("/api-keys", json={"name": "audited", "role": "viewer"})).json()
    await admin.delete(f"/api-keys/{key['api_key']['id']}")
    entries = (await admin.get("/audit", params={"limit": 200})).json()["items"]
    mine = [(e["action"], e["target"], e["actor"]) for e in entries
            if e["target"] in (f"user {user['email']}", f"API key audited (#{key['api_key']['id']})")]
    assert mine == [
        ("api_key.revoked", f"API key audited (#{key['api_key']['id']})", "user:lead@example.com"),
        ("api_key.created", f"API key audited (#{key['api_key']['id']})", "user:lead@example.com"),
        ("user.updated", f"user {user['email']}", "user:lead@example.com"),
        ("user.created", f"user {user['email']}", "user:lead@example.com")]
    updated = next(e for e in entries if e["action"] == "user.updated" and e["target"] == f"user {user['email']}")
    assert updated["details"]["changes"] == {"role": {"old": "viewer", "new": "editor"}}
    assert key["key"] not in str(entries)  # the key itself is never logged


async def test_an_event_of_another_service_is_recorded_once(app, admin, pool):
    event = new_event(ProductsBulkDeleted(count=42), source="catalog", principal="user:ops@example.com")
    handlers = audit.AuditHandlers(pool)
    for _ in range(2):  # redelivered
        await handlers.record_event(event, ProductsBulkDeleted(count=42))
    entries = (await admin.get("/audit", params={"action": "products.bulk_deleted"})).json()["items"]
    assert [(e["target"], e["actor"], e["source"]) for e in entries if e["details"] == {"count": 42}] == [
        ("42 products", "user:ops@example.com", "catalog")]
