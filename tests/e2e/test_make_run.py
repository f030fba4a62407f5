"""`make run` brings the whole stack up behind the edge on :8080 and keeps it up."""

from __future__ import annotations

import os
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
    any(port_taken(p) for p in (8080, 8001, 8002, 8003)),
    reason="a stack is already running on the make-run ports (make stop first)")


def pid_of(program: str) -> int:
    out = subprocess.run([*SUPERVISORCTL, "pid", program], capture_output=True, text=True).stdout.strip()
    return int(out) if out.isdigit() else 0


@pytest.fixture
def running_stack(tmp_path):
    namespace = f"t{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "PI_RUNTIME": "local", "DATABASE_URL": database_url(f"pi_test_{namespace}"),
           "AMQP_URL": AMQP_URL, "REDIS_URL": REDIS_URL, "BUS_NAMESPACE": namespace,
           "STORAGE_DIR": str(tmp_path / "storage")}
    try:
        subprocess.run(["make", "run"], cwd=ROOT, env=env, check=True, timeout=600)
        yield namespace
    finally:
        subprocess.run(["make", "stop"], cwd=ROOT, env=env, timeout=120)
        subprocess.run([str(ROOT / ".venv/bin/python"), "-c", (
            "import asyncio, sys; sys.path.insert(0, '.');"
            "from tests.support.stack import Stack;"
            "from pathlib import Path;"
            f"s = Stack(Path('{tmp_path}'), namespace='{namespace}');"
            "asyncio.run(s.drop_everything())")], cwd=ROOT, timeout=120)


def test_make_run_serves_everything_on_8080_and_restarts_a_killed_service(running_stack):
    csv = b"sku,name,description\r\nRUN-1,Lamp,desk lamp\r\nRUN-2,Chair,oak\r\n"
    with httpx.Client(base_url=EDGE, timeout=30) as edge:
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
