"""`make run` brings the whole stack up behind the edge on :8080 and keeps it up; only the edge listens
beyond loopback, the first start prints how to sign in (once), and `make api-key` / `make add-user`
print what they made alone on stdout."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.stack import AMQP_URL, REDIS_URL, database_url

ROOT = Path(__file__).parents[2]
EDGE = "http://127.0.0.1:8080"
SUPERVISORCTL = [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(ROOT / ".var/supervisord.conf")]


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


pytestmark = pytest.mark.skipif(
    any(port_taken(p) for p in (8080, 8001, 8002, 8003, 8006)),
    reason="a stack is already running on the make-run ports (make stop first)")


def pid_of(program: str) -> int:
    out = subprocess.run([*SUPERVISORCTL, "pid", program], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


@pytest.fixture
def running_stack(tmp_path):
    namespace = f"t{uuid.uuid4().hex[:10]}"
    # As from a shell: under `make test` a child make would print "Entering directory" lines.
    shell = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    env = {**shell, "PI_RUNTIME": "local", "DATABASE_URL": database_url(f"pi_test_{namespace}"),
           "AMQP_URL": AMQP_URL, "REDIS_URL": REDIS_URL, "BUS_NAMESPACE": namespace,
           "STORAGE_DIR": str(tmp_path / "storage")}
    try:
        first = subprocess.run(["make", "run"], cwd=ROOT, env=env, check=True, timeout=600, capture_output=True,
                               text=True)
        yield namespace, env, first.stdout
    finally:
        subprocess.run(["make", "stop"], cwd=ROOT, env=env, timeout=120)
        subprocess.run([str(ROOT / ".venv/bin/python"), "-c", (
            "import asyncio, sys; sys.path.insert(0, '.');"
            "from tests.support.stack import Stack;"
            "from pathlib import Path;"
            f"s = Stack(Path('{tmp_path}'), namespace='{namespace}');"
            "asyncio.run(s.drop_everything())")], cwd=ROOT, timeout=120)


def listeners_beyond_loopback() -> dict[int, list[str]]:
    """pid -> the non-loopback addresses it listens on (TCP), from ss."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found: dict[int, list[str]] = {}
    for line in out.splitlines():
        local = line.split()[3]
        host = local.rsplit(":", 1)[0].strip("[]")
        if host.startswith("127.") or host == "::1":
            continue
        for pid in re.findall(r"pid=(\d+)", line):
            found.setdefault(int(pid), []).append(local)
    return found


def stack_pids() -> dict[str, set[int]]:
    """Every program's pid and its children's (nginx's workers), by program."""
    out = subprocess.run([*SUPERVISORCTL, "status"], capture_output=True, text=True).stdout
    programs = [line.split()[0] for line in out.splitlines() if line.strip()]
    pids = {}
    for program in programs:
        pid = pid_of(program)
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids[program] = {pid, *map(int, children)}
    return pids


def test_make_run_serves_everything_on_8080_and_restarts_a_killed_service(running_stack):
    namespace, env, first_output = running_stack
    sign_in = re.search(r"Sign in at (\S+) as (\S+) with the password (\S+)", first_output)
    assert sign_in, first_output
    assert (sign_in[1], sign_in[2]) == ("http://localhost:8080", "admin@localhost")

    # Only the edge listens beyond loopback.
    beyond = listeners_beyond_loopback()
    programs = stack_pids()
    assert {"edge", "accounts-api", "upload-api", "catalog-api"} <= set(programs)
    exposed = {program for program, pids in programs.items() if pids & set(beyond)}
    assert exposed == {"edge"}, (exposed, beyond)

    # The two commands for scripts: what they make, alone on stdout.
    key = subprocess.run(["make", "api-key", "ROLE=editor", "NAME=make-run-test"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert re.fullmatch(r"pik_[A-Za-z0-9_-]{40,}\n", key), key
    password = subprocess.run(["make", "add-user", "EMAIL=viewer@example.com", "ROLE=viewer"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=True).stdout
    assert re.fullmatch(r"\S{16,}\n", password), password
    refused = subprocess.run(["make", "api-key", "ROLE=root"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode != 0 and refused.stdout == "" and "ROLE=" in refused.stderr

    with httpx.Client(base_url=EDGE, timeout=30) as anonymous:
        assert anonymous.get("/api/products").status_code == 401
        login = anonymous.post("/api/auth/login", json={"email": sign_in[2], "password": sign_in[3]})
        assert login.status_code == 200 and login.json()["must_change_password"] is True

    csv = b"sku,name,description\r\nRUN-1,Lamp,desk lamp\r\nRUN-2,Chair,oak\r\n"
    with httpx.Client(base_url=EDGE, timeout=30, headers={"authorization": f"Bearer {key.strip()}"}) as edge:
        response = edge.post("/api/imports", files={"file": ("run.csv", csv, "text/csv")})
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        for _ in range(300):
            job = edge.get(f"/api/imports/{job_id}").json()
            if job["status"] == "completed":
                break
            time.sleep(0.1)
        assert (job["status"], job["inserted"]) == ("completed", 2), job
        with edge.stream("GET", f"/api/progress/imports/{job_id}") as sse:
            assert sse.headers["content-type"].startswith("text/event-stream")
            body = "".join(sse.iter_text())
        assert "event: snapshot" in body and '"completed"' in body

        for program, health in (("catalog-consume", "http://127.0.0.1:9002/healthz"),
                                ("upload-api", "http://127.0.0.1:8001/healthz")):
            before = pid_of(program)
            assert before, f"{program} is not running"
            os.kill(before, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while True:
                after = pid_of(program)
                try:
                    if after and after != before and httpx.get(health, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"{program} was not restarted"
                time.sleep(0.2)
        assert edge.get(f"/api/imports/{job_id}").status_code == 200  # through the edge again

    # Running it again: everything keeps running, and no second admin or password is printed.
    again = subprocess.run(["make", "run"], cwd=ROOT, env=env, check=True, timeout=600, capture_output=True,
                           text=True)
    assert "Sign in at" not in again.stdout and sign_in[3] not in again.stdout
