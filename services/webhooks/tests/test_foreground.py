"""Giving way to foreground work (webhooks.foreground): while other processes keep the machine's
CPUs busy, events are fanned out and deliveries sent at ``busy_rate``; at full speed otherwise.

Busy and quiet machines are made with real processes (a busy loop at normal priority, one
under SCHED_IDLE) and measured through the real /proc, except the arithmetic, which is checked
on /proc files written by the test."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pikit.bus import Bus
from pikit.events import Product, ProductUpdated, new_event
from tests.support.auth import As
from tests.support.stack import AMQP_URL, Stack
from webhooks.foreground import ForegroundGate, background_processes

pytestmark = [pytest.mark.asyncio(loop_scope="session"),
              pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")]

CPUS = os.cpu_count() or 1
BUSY_LOOP = "while True: pass"


def busy_loop(idle_priority: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-c", BUSY_LOOP]
    if idle_priority:
        command = [sys.executable, "-c", "import os\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
                   + BUSY_LOOP]
    return subprocess.Popen(command)


def stop(process: subprocess.Popen) -> None:
    process.kill()
    process.wait()


def write_proc(root: Path, busy: int, idle: int, processes: dict[int, tuple[int, int, int]]) -> None:
    """A /proc with the machine's ticks and, per pid, (CPU ticks, nice, policy)."""
    root.mkdir(exist_ok=True)
    # user nice system idle iowait irq softirq steal guest guest_nice
    (root / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n")
    for pid, (ticks, nice, policy) in processes.items():
        (root / str(pid)).mkdir(exist_ok=True)
        fields = ["S"] + ["0"] * 50
        fields[11], fields[16], fields[38] = str(ticks), str(nice), str(policy)
        (root / str(pid) / "stat").write_text(f"{pid} (python -m (x)) " + " ".join(fields) + "\n")


async def test_foreground_is_the_busy_time_of_everything_but_background_processes(tmp_path):
    proc = tmp_path / "proc"
    # pid 10 runs under SCHED_IDLE (policy 5), 11 is niced, 12 is a normal process
    write_proc(proc, busy=100, idle=100, processes={10: (50, 0, 5), 11: (10, 10, 0), 12: (20, 0, 0)})
    gate = ForegroundGate(yield_above=0.5, busy_pause=0, busy_rate=10, proc=proc)
    assert {10, 11} <= background_processes(proc) and 12 not in background_processes(proc)
    first = gate._read()
    # 40 ticks pass: 30 busy, of which 20 by the background processes: a quarter is foreground
    write_proc(proc, busy=130, idle=110, processes={10: (65, 0, 5), 11: (15, 10, 0), 12: (30, 0, 0)})
    second = gate._read()
    gate.update(first, second)
    assert gate.foreground == pytest.approx(10 / 40) and not gate.busy
    # 40 more: 36 busy, 2 of them background; over both intervals (46 - 22) / 80 foreground
    write_proc(proc, busy=166, idle=114, processes={10: (67, 0, 5), 11: (15, 10, 0), 12: (64, 0, 0)})
    gate.update(second, gate._read())
    assert gate.foreground == pytest.approx((10 + 34) / 80) and gate.busy is True


async def test_a_background_process_that_ended_does_not_count_against_the_foreground(tmp_path):
    proc = tmp_path / "proc"
    write_proc(proc, busy=100, idle=100, processes={10: (500, 0, 5)})
    gate = ForegroundGate(yield_above=0.5, busy_pause=0, busy_rate=10, proc=proc)
    first = gate._read()
    (proc / "10" / "stat").unlink()
    write_proc(proc, busy=110, idle=130, processes={})
    gate.update(first, gate._read())
    assert gate.foreground == pytest.approx(10 / 40)


async def test_while_busy_nothing_starts_for_a_pause_then_busy_rate_a_second_and_all_once_quiet(tmp_path):
    proc = tmp_path / "proc"
    write_proc(proc, busy=0, idle=0, processes={})
    gate = ForegroundGate(yield_above=0.5, busy_pause=0.3, busy_rate=5, proc=proc)
    assert await gate.take(24) == 24
    first = gate._read()
    write_proc(proc, busy=40, idle=0, processes={})
    gate.update(first, gate._read())
    assert gate.busy

    started = time.monotonic()
    assert await gate.take(3) == 3  # after the pause
    assert time.monotonic() - started >= 0.25
    gate.give_back(1)  # found work for 2 of them
    assert await gate.take(3) == 3  # what is left of this second's 5
    started = time.monotonic()
    assert await gate.take(24) == 5  # the next second's
    assert time.monotonic() - started >= 0.9

    waiting = asyncio.create_task(gate.take(24))  # nothing left: waits for the next second
    await asyncio.sleep(0.05)
    assert not waiting.done()
    busy_until = gate._read()
    write_proc(proc, busy=40, idle=400, processes={})
    gate.update(busy_until, gate._read())
    assert not gate.busy
    assert await asyncio.wait_for(waiting, 0.05) == 24  # released at once


async def sample(gate: ForegroundGate, seconds: float) -> list[float]:
    seen = []
    task = asyncio.create_task(gate.run())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(gate.interval)
        seen.append(gate.foreground)
    task.cancel()
    return seen


async def test_a_normal_priority_process_keeping_a_cpu_busy_makes_the_machine_busy():
    # One busy CPU is 1/CPUS of the machine: a threshold just under it.
    gate = ForegroundGate(yield_above=0.7 / CPUS, busy_pause=0, busy_rate=10)
    loop = busy_loop()
    try:
        seen = await sample(gate, 1.0)
    finally:
        stop(loop)
    assert gate.busy and min(seen[3:]) > 0.7 / CPUS, seen


async def test_an_idle_priority_process_keeping_a_cpu_busy_does_not():
    gate = ForegroundGate(yield_above=0.7 / CPUS, busy_pause=0, busy_rate=10)
    loop = busy_loop(idle_priority=True)
    try:
        await asyncio.sleep(0.2)
        assert loop.pid in background_processes(Path("/proc"))
        seen = await sample(gate, 1.0)
    finally:
        stop(loop)
    assert not gate.busy and max(seen[3:]) < 0.7 / CPUS, seen


@pytest.fixture
async def yielding_stack(tmp_path):
    """The webhooks service yielding once one CPU's worth of other work runs: a 1 s pause, then 4 a second."""
    stack = Stack(tmp_path, extra_env={"WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
                                       "WEBHOOKS_YIELD_ABOVE_CPU": str(0.7 / CPUS), "WEBHOOKS_BUSY_PAUSE_SECONDS": "1",
                                       "WEBHOOKS_BUSY_RATE": "4"})
    async with stack.running("webhooks-api", "webhooks-consume", "webhooks-dispatch"):
        yield stack


async def test_deliveries_slow_down_while_the_machine_is_busy_and_catch_up_once_it_is_quiet(
        yielding_stack, receiver, wait_until):
    route = receiver.route("/yielding")
    async with httpx.AsyncClient(base_url=yielding_stack.url("webhooks-api"), timeout=30, auth=As("admin")) as api:
        created = await api.post("/webhooks", json={"url": receiver.url("/yielding"), "events": ["product.updated"]})
        assert created.status_code == 201, created.text
    bus = Bus(AMQP_URL, yielding_stack.namespace, "webhooks-tests")
    await bus.connect()
    loop = busy_loop()
    try:
        await asyncio.sleep(0.5)  # the gate samples every 0.1 s
        for n in range(40):
            await bus.publish(new_event(ProductUpdated(product=Product(id=n, sku=f"SKU-{n}", name="New"),
                                                       changes={"name": {"old": "Old", "new": "New"}}), source="test"))
        await asyncio.sleep(3.5)
        while_busy = len(route.requests)
    finally:
        stop(loop)
        await bus.close()
    # At full speed all 40 arrive within a fraction of a second. Here: nothing for a second, then 4
    # a second; at most 4 s of it (the machine may have been busy since the services started).
    assert 1 <= while_busy <= 24
    await wait_until(lambda: len(route.requests) == 40, timeout=30)
    assert sorted(r.json["data"]["product"]["id"] for r in route.requests) == list(range(40))
    dispatcher_log = (yielding_stack.log_dir / "webhooks-dispatch.log").read_text()
    assert "machine busy with other work" in dispatcher_log and "back to full speed" in dispatcher_log
