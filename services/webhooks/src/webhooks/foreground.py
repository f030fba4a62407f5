"""Give way to foreground work: while the machine's other processes keep its CPUs busy, the
bus consumer and the dispatcher start nothing new for a while, then only a trickle.

SCHED_IDLE (``service._lower_cpu_priority``) lets every other process preempt them, but it
cannot keep them from running on a CPU the foreground is not using at that instant, and on
the 2-vCPU bench machine that alone cost the catalog about a quarter of its first-page latency:
two SCHED_IDLE busy loops, no webhooks running, raised the first page's p95 by +25 % (median of
6 rounds of 3 windows; the CPUs share caches, memory bandwidth and the host's cores). The
only way not to slow the foreground down is not to run beside it.

Every ``interval`` seconds the gate reads the machine's busy CPU time (``/proc/stat``) and
subtracts the CPU time of background processes: those under SCHED_IDLE or with a positive nice
value (found by a scan of ``/proc`` every ``rescan_seconds``), this process always included.
What is left is foreground work: the APIs, PostgreSQL, RabbitMQ, whatever else runs here. While
it is above ``yield_above`` (a fraction of all CPUs) the machine is *busy*: ``take`` lets
nothing start for ``busy_pause`` seconds, then ``busy_rate`` units a second, so sustained load
does not stop deliveries. Work already started goes on (a send in flight is finished and
recorded). Off Linux, or with ``yield_above >= 1``, the gate never closes."""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from pathlib import Path

import structlog

log = structlog.get_logger("webhooks.foreground")

SCHED_IDLE = 5  # the policy number in /proc/<pid>/stat


def read_machine_ticks(proc: Path) -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot. Idle, I/O wait and steal (the host
    running someone else) are not this machine's work."""
    fields = [int(v) for v in (proc / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, sum(fields)


def read_process(proc: Path, pid: int) -> tuple[int, bool] | None:
    """(CPU clock ticks, is background) of a process, or None if it is gone."""
    try:
        text = (proc / str(pid) / "stat").read_text()
        fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces and parentheses
        utime, stime, nice, policy = int(fields[11]), int(fields[12]), int(fields[16]), int(fields[38])
    except (OSError, ValueError, IndexError):
        return None
    return utime + stime, policy == SCHED_IDLE or nice > 0


def background_processes(proc: Path) -> set[int]:
    found = set()
    for entry in os.scandir(proc):
        if entry.name.isdigit():
            process = read_process(proc, int(entry.name))
            if process is not None and process[1]:
                found.add(int(entry.name))
    return found


class ForegroundGate:
    def __init__(self, *, yield_above: float, busy_pause: float, busy_rate: float, interval: float = 0.1,
                 rescan_seconds: float = 5.0, proc: Path = Path("/proc")):
        self.yield_above = yield_above
        self.busy_pause = busy_pause
        self.busy_rate = busy_rate
        self.interval = interval
        self.rescan_seconds = rescan_seconds
        self.proc = proc
        self.foreground = 0.0  # fraction of all CPUs the foreground used over the last two intervals
        self._quiet = asyncio.Event()  # set while the machine is quiet
        self._quiet.set()
        self._busy_since = 0.0  # time.monotonic() when the machine became busy
        self._long_spell = False  # busy for longer than busy_pause (logged)
        self._granted, self._refill_at = 0.0, 0.0  # while busy: units left this second, when it ends
        self._background: set[int] = set()
        self._scanned_at = float("-inf")
        self._recent: deque[tuple[int, int]] = deque(maxlen=2)  # (foreground, total) ticks per interval

    @property
    def busy(self) -> bool:
        return not self._quiet.is_set()

    @property
    def enabled(self) -> bool:
        return self.yield_above < 1 and (self.proc / "stat").exists()

    async def take(self, wanted: int) -> int:
        """How many of ``wanted`` units of work may start now: all of them while the machine is
        quiet. While it is busy: none for the first ``busy_pause`` seconds, then ``busy_rate`` a
        second, granted together once a second (one claim and one insert for the lot). A caller
        waits until something is granted, or until the machine is quiet again."""
        while self.busy:
            now = time.monotonic()
            if now < self._busy_since + self.busy_pause:
                until = self._busy_since + self.busy_pause
            else:
                if now >= self._refill_at:
                    self._granted, self._refill_at = self.busy_rate, now + 1
                if self._granted >= 1:
                    n = min(wanted, int(self._granted))
                    self._granted -= n
                    return n
                until = self._refill_at
            try:
                await asyncio.wait_for(self._quiet.wait(), until - now)
            except TimeoutError:
                pass
        return wanted

    def give_back(self, unused: int) -> None:
        """Units ``take`` granted that found no work (a claim that found fewer due deliveries)."""
        if self.busy:
            self._granted += unused

    async def run(self) -> None:
        if not self.enabled:
            return
        previous = self._read()
        while True:
            await asyncio.sleep(self.interval)
            current = self._read()
            self.update(previous, current)
            previous = current

    def _read(self) -> tuple[int, int, dict[int, int]]:
        if time.monotonic() - self._scanned_at > self.rescan_seconds:
            self._background = background_processes(self.proc) | {os.getpid()}
            self._scanned_at = time.monotonic()
        busy, total = read_machine_ticks(self.proc)
        ticks = {}
        for pid in self._background:
            process = read_process(self.proc, pid)
            if process is not None:
                ticks[pid] = process[0]
        return busy, total, ticks

    def update(self, previous: tuple[int, int, dict[int, int]], current: tuple[int, int, dict[int, int]]) -> None:
        busy = current[0] - previous[0]
        total = current[1] - previous[1]
        if total <= 0:
            return
        # Only processes seen both times: one that ended took its ticks with it.
        background = sum(t - previous[2][pid] for pid, t in current[2].items() if pid in previous[2])
        # Over the last two intervals: in one (20 ticks on 2 CPUs) a process's tick more or less
        # moved the figure by 5 points.
        self._recent.append((max(0, busy - background), total))
        self.foreground = sum(f for f, _ in self._recent) / sum(t for _, t in self._recent)
        was_busy = self.busy
        now = time.monotonic()
        if self.foreground <= self.yield_above:
            self._quiet.set()
        elif not was_busy:
            self._busy_since = now
            self._quiet.clear()
        if self.busy != was_busy:
            log.debug("foreground " + ("busy" if self.busy else "quiet"), foreground=round(self.foreground, 2))
        # Short spells come and go many times a second; the ones that hold work back are worth a line.
        if self.busy and not self._long_spell and now - self._busy_since >= self.busy_pause:
            self._long_spell = True
            log.info("machine busy with other work: starting at most busy_rate a second until it is quiet",
                     busy_seconds=round(now - self._busy_since, 1), busy_rate=self.busy_rate,
                     foreground=round(self.foreground, 2))
        elif not self.busy and self._long_spell:
            self._long_spell = False
            log.info("machine quiet again: back to full speed", busy_seconds=round(now - self._busy_since, 1))
