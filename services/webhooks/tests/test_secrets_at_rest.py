"""Signing secrets encrypted at rest, against the real PostgreSQL: no plaintext in the table,
plaintext left from before encrypted at the API's start, the encryption key rotated by putting
a new one first, and a process with a missing, malformed or wrong key refusing to start."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken

from pikit.db import create_pool, migrate
from tests.support.auth import As
from tests.support.stack import scratch_database
from webhooks import domain, secretbox, store
from webhooks.secretbox import SecretBox, SecretKeyError
from webhooks.service import MIGRATIONS, api_app, dispatcher_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
async def database_url():
    async with scratch_database() as url:
        yield url


@pytest.fixture
def env(monkeypatch, database_url):
    """``env(keys)``: the environment of a webhooks process with these WEBHOOKS_SECRET_KEYS."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("WEBHOOKS_SCHED_IDLE", "false")  # the dispatcher's start must not slow this process
    monkeypatch.setenv("WEBHOOKS_NICE", "0")

    def use(keys: str) -> None:
        monkeypatch.setenv("WEBHOOKS_SECRET_KEYS", keys)
    return use


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks", auth=As("admin"))


async def stored(database_url: str, endpoint_id: str | uuid.UUID) -> asyncpg.Record:
    """The endpoint's row as stored, and all of it as one text (``whole_row``)."""
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow("SELECT e.*, e::text AS whole_row FROM webhooks.endpoints e WHERE id = $1",
                                   uuid.UUID(str(endpoint_id)))
    finally:
        await conn.close()


def assert_no_plaintext(row, *secrets: str) -> None:
    for secret in secrets:
        assert secret[len("whsec_"):] not in row["whole_row"]
    assert row["plaintext_secret"] is None and row["plaintext_previous_secret"] is None


async def test_secrets_are_stored_encrypted_and_still_sign(env, database_url, receiver):
    k = key()
    env(k)
    app = api_app()
    route = receiver.route("/at-rest")
    async with app.router.lifespan_context(app), client(app) as api:
        created = (await api.post("/webhooks", json={"url": receiver.url("/at-rest"),
                                                     "events": ["import.failed"]})).json()
        first = created["secret"]
        row = await stored(database_url, created["id"])
        assert_no_plaintext(row, first)
        assert Fernet(k).decrypt(row["secret_ciphertext"].encode()).decode() == first

        rotated = (await api.post(f"/webhooks/{created['id']}/rotate-secret")).json()["secret"]
        row = await stored(database_url, created["id"])
        assert_no_plaintext(row, first, rotated)
        assert Fernet(k).decrypt(row["secret_ciphertext"].encode()).decode() == rotated
        assert Fernet(k).decrypt(row["previous_secret_ciphertext"].encode()).decode() == first

        # what the API showed verifies what is sent, the old secret too during the grace period
        for secret in (rotated, first):
            route.secret = secret
            assert (await api.post(f"/webhooks/{created['id']}/test")).json()["success"] is True
            assert route.requests[-1].verified
        masked = (await api.get(f"/webhooks/{created['id']}")).json()["secret"]
        assert masked == domain.mask_secret(rotated)


async def test_rotating_the_key_reencrypts_every_secret_at_start(env, database_url, receiver):
    old, new = key(), key()
    env(old)
    app = api_app()
    route = receiver.route("/rekeyed")
    async with app.router.lifespan_context(app), client(app) as api:
        endpoint = (await api.post("/webhooks", json={"url": receiver.url("/rekeyed"),
                                                      "events": ["import.failed"]})).json()
        previous = endpoint["secret"]
        current = (await api.post(f"/webhooks/{endpoint['id']}/rotate-secret")).json()["secret"]

    env(f"{new},{old}")  # the new key first, the old one still there to decrypt
    app = api_app()
    async with app.router.lifespan_context(app), client(app) as api:
        row = await stored(database_url, endpoint["id"])
        for column, secret in (("secret_ciphertext", current), ("previous_secret_ciphertext", previous)):
            assert Fernet(new).decrypt(row[column].encode()).decode() == secret
            with pytest.raises(InvalidToken):
                Fernet(old).decrypt(row[column].encode())
        before = row["whole_row"]
    async with app.router.lifespan_context(app):  # a second start (another replica) changes nothing
        assert (await stored(database_url, endpoint["id"]))["whole_row"] == before

    env(new)  # the old key dropped
    app = api_app()
    async with app.router.lifespan_context(app), client(app) as api:
        route.secret = current
        assert (await api.post(f"/webhooks/{endpoint['id']}/test")).json()["success"] is True
        assert route.requests[-1].verified
        assert (await api.get(f"/webhooks/{endpoint['id']}")).json()["secret"] == domain.mask_secret(current)

    env(old)  # a key that decrypts none of them: neither the API nor the dispatcher starts
    for factory in (api_app, dispatcher_app):
        app = factory()
        with pytest.raises(SecretKeyError, match="decrypts under none of the keys in WEBHOOKS_SECRET_KEYS"):
            async with app.router.lifespan_context(app):
                pass


async def test_plaintext_secrets_from_before_are_encrypted_at_start(env, database_url, tmp_path, receiver):
    """The table as version 0002 left it, with plaintext secrets; then this version starts."""
    before = tmp_path / "migrations"
    before.mkdir()
    for name in ("0001_webhooks.sql", "0002_lease_column.sql"):
        shutil.copy(MIGRATIONS / name, before / name)
    pool = await create_pool(database_url, store.SCHEMA, min_size=2, max_size=3)
    try:
        await migrate(pool, store.SCHEMA, before)
        secrets = {name: domain.new_secret() for name in ("a", "a-previous", "b", "b-expired")}
        now = datetime.now(UTC)
        rows = [("a", "a-previous", now + timedelta(hours=1)), ("b", "b-expired", now - timedelta(hours=1))]
        ids = {}
        for name, previous, expires in rows:
            ids[name] = await pool.fetchval(
                "INSERT INTO endpoints (id, url, events, secret, previous_secret, previous_secret_expires_at) "
                "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING id",
                receiver.url(f"/legacy-{name}"), ["import.failed"], secrets[name], secrets[previous], expires)
        await migrate(pool, store.SCHEMA, MIGRATIONS)  # 0003: the columns renamed, still plaintext

        k = key()
        box = SecretBox.from_setting(k)
        # several replicas starting at once: one encrypts, the others find nothing left to do
        results = await asyncio.gather(*(secretbox.encrypt_stored_secrets(pool, box) for _ in range(3)))
        assert sorted(r["encrypted"] for r in results) == [0, 0, 3]  # a, a's previous, b (b's previous expired)
        assert sum(r["expired"] for r in results) == 1
    finally:
        await pool.close()

    a, b = [await stored(database_url, ids[name]) for name in ("a", "b")]
    assert_no_plaintext(a, *secrets.values())
    assert_no_plaintext(b, *secrets.values())
    assert box.decrypt(a["secret_ciphertext"]) == secrets["a"]
    assert box.decrypt(a["previous_secret_ciphertext"]) == secrets["a-previous"]
    assert box.decrypt(b["secret_ciphertext"]) == secrets["b"] and b["previous_secret_ciphertext"] is None

    env(k)
    app = api_app()
    route = receiver.route("/legacy-a", secret=secrets["a"])
    async with app.router.lifespan_context(app), client(app) as api:
        assert (await api.post(f"/webhooks/{ids['a']}/test")).json()["success"] is True
        assert route.requests[-1].verified  # the secret the receiver has had all along


@pytest.mark.parametrize("keys, message", [
    ("", "WEBHOOKS_SECRET_KEYS is not set"),
    ("not-a-fernet-key", "key 1 of 1 is not a Fernet key"),
])
async def test_a_missing_or_malformed_key_stops_the_process_with_the_reason(env, keys, message):
    env(keys)
    for factory in (api_app, dispatcher_app):
        with pytest.raises(SecretKeyError, match=message):
            factory()

    # as a process: the reason alone on stderr, exit status 1, the key never repeated
    for role in ("api", "dispatch"):
        done = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "webhooks", role],
                                       env={**os.environ, "WEBHOOKS_SECRET_KEYS": keys}, capture_output=True,
                                       text=True, timeout=60)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().startswith("webhooks does not start:") and message in done.stderr
        assert "Traceback" not in done.stderr
        if keys:
            assert keys not in done.stderr
