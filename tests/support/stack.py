"""Start every service as its own OS process against the real PostgreSQL, RabbitMQ
and Redis, in an isolated namespace (own database, bus namespace, Redis key prefix,
storage directory), and drive them over HTTP."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx
import redis.asyncio as aioredis

BASE_DB_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/product_importer_test")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# (name, module, args, port env var, port kind)
PROGRAMS = {
    "accounts-api": ("accounts", ["api"], "ACCOUNTS_PORT"),
    "accounts-consume": ("accounts", ["consume"], "ACCOUNTS_HEALTH_PORT"),
    "upload-api": ("upload", ["api"], "UPLOAD_PORT"),
    "upload-consume": ("upload", ["consume"], "UPLOAD_HEALTH_PORT"),
    "import-worker": ("import_worker", ["consume"], "IMPORT_WORKER_HEALTH_PORT"),
    "catalog-api": ("catalog", ["api"], "CATALOG_PORT"),
    "catalog-consume": ("catalog", ["consume"], "CATALOG_HEALTH_PORT"),
    "progress-api": ("progress", ["api"], "PROGRESS_PORT"),
    "progress-consume": ("progress", ["consume"], "PROGRESS_HEALTH_PORT"),
    "webhooks-api": ("webhooks", ["api"], "WEBHOOKS_PORT"),
    "webhooks-consume": ("webhooks", ["consume"], "WEBHOOKS_HEALTH_PORT"),
    "webhooks-dispatch": ("webhooks", ["dispatch"], "WEBHOOKS_DISPATCH_HEALTH_PORT"),
}


def _ephemeral_range() -> range:
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


_EPHEMERAL = _ephemeral_range()
_handed_out: set[int] = set()


def free_port() -> int:
    """A port that is free now and that no outgoing connection will take before a program binds it.

    Asking the kernel for port 0 hands out an ephemeral port, and a service's own connections to
    PostgreSQL or RabbitMQ, opened before uvicorn binds, can take the same one (seen: "address
    already in use"). Ports outside the ephemeral range are never given to outgoing connections.
    """
    while True:
        port = random.randrange(10000, 65536)
        if port in _EPHEMERAL or port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(BASE_DB_URL)._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database():
    """A new, empty database for one test module or session; dropped afterwards."""
    name = f"pi_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(database_url("postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@dataclass
class Stack:
    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    namespace: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.db_name = f"pi_test_{self.namespace}"
        self.database_url = database_url(self.db_name)
        self.storage_dir = self.root / "storage"
        self.log_dir = self.root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in PROGRAMS}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("UPLOAD_", "CATALOG_", "PROGRESS_", "WEBHOOKS_", "ACCOUNTS_"))}
        env.update(WEBHOOKS_SECRET_KEYS=os.environ.get("WEBHOOKS_SECRET_KEYS", ""))
        env.update(DATABASE_URL=self.database_url, AMQP_URL=AMQP_URL, REDIS_URL=REDIS_URL,
                   STORAGE_DIR=str(self.storage_dir), BUS_NAMESPACE=self.namespace, LOG_LEVEL="info")
        for name, (_, _, port_var) in PROGRAMS.items():
            env[port_var] = str(self.ports[name])
        env.update(self.extra_env)
        return env

    def url(self, program: str) -> str:
        return f"http://127.0.0.1:{self.ports[program]}"

    def start(self, *names: str, timeout: float = 60) -> None:
        """Start the programs (all by default) and wait until each answers /readyz, ``timeout`` seconds each."""
        names = names or tuple(n for n in PROGRAMS if n in os.environ.get("STACK_PROGRAMS", " ".join(PROGRAMS)))
        for name in names:
            module, args, _ = PROGRAMS[name]
            log = open(self.log_dir / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen([sys.executable, "-m", module, *args], env=self.env(),
                                                stdout=log, stderr=subprocess.STDOUT)
        for name in names:
            self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
            try:
                if httpx.get(f"{self.url(name)}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} not ready after {timeout}s:\n{self.log_tail(name)}")

    @asynccontextmanager
    async def running(self, *names: str):
        """Start the programs (all by default); afterwards stop them and drop this stack's
        database, queues and Redis keys."""
        try:
            await asyncio.to_thread(self.start, *names)
            yield self
        finally:
            await asyncio.to_thread(self.stop)
            await self.drop_everything()

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hooks, unacked messages go back to the queue."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()

    def api_key(self, role: str = "admin", name: str | None = None) -> str:
        """A new API key of this stack (the accounts command line, as `make api-key` runs it)."""
        args = ["create-api-key", "--role", role, *(["--name", name] if name else [])]
        done = subprocess.run([sys.executable, "-m", "accounts", *args], env=self.env(), capture_output=True,
                              text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"create-api-key failed: {done.stderr}")
        return done.stdout.strip()

    def add_user(self, email: str, role: str) -> str:
        """A new user of this stack; its generated password (to be changed at the first sign-in)."""
        done = subprocess.run([sys.executable, "-m", "accounts", "add-user", "--email", email, "--role", role],
                              env=self.env(), capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"add-user failed: {done.stderr}")
        return done.stdout.strip()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    async def drop_everything(self) -> None:
        """Remove this stack's database, queues and Redis keys."""
        admin = await asyncpg.connect(database_url("postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        finally:
            await admin.close()
        await delete_queues(self.namespace)
        client = aioredis.from_url(REDIS_URL)
        try:
            keys = [k async for k in client.scan_iter(match=f"{self.namespace}:*", count=1000)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


QUEUES = ["accounts.audit", "upload.jobs", "import-worker.jobs", "catalog.batches", "catalog.jobs", "progress.updates",
          "webhooks.events"]


async def delete_queues(namespace: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        for queue in QUEUES:
            base = f"{namespace}.{queue}"
            for name in [base, f"{base}.dlq", *(f"{base}.retry.{ms}" for ms in (1000, 5000, 30000, 100, 200, 500))]:
                channel = await connection.channel()
                try:
                    await channel.queue_delete(name)
                except Exception:
                    pass
                finally:
                    if not channel.is_closed:
                        await channel.close()
        channel = await connection.channel()
        try:
            await channel.exchange_delete(f"{namespace}.events")
        except Exception:
            pass


async def wait_for_job(client: httpx.AsyncClient, job_id: str, statuses=("completed", "failed", "cancelled"),
                       timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = (await client.get(f"/imports/{job_id}")).json()
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['status']} after {timeout}s: {job}")
        await asyncio.sleep(0.2)
