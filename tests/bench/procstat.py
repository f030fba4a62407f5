"""Process figures from /proc: peak RSS of the service processes, CPU time per group.

``RssSampler`` reads ``VmRSS`` of every watched process (and of any child it may
have) every 0.2 s in a thread, keeping the peak per phase. ``cpu_snapshot`` /
``cpu_delta`` give the CPU seconds each group of processes used between two
moments (services by pid; PostgreSQL, RabbitMQ, Redis by program name, machine
wide, so they include other work on the machine).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")

# Infrastructure programs, by /proc/<pid>/comm.
INFRA = {"postgres": "postgres: other processes", "beam.smp": "rabbitmq", "redis-server": "redis"}


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0  # a zombie has no VmRSS line


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return found


def descendants(pid: int) -> list[int]:
    out, todo = [], children(pid)
    while todo:
        child = todo.pop()
        out.append(child)
        todo += children(child)
    return out


class RssSampler(threading.Thread):
    """Peak RSS (kB) per process name, per phase. ``phase = None`` samples without recording."""

    def __init__(self, watched: Callable[[], dict[str, int]], interval: float = 0.2):
        super().__init__(daemon=True, name="rss-sampler")
        self.watched = watched
        self.interval = interval
        self.phase: str | None = None
        self.peaks: dict[str, dict[str, int]] = {}
        self.samples = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            phase = self.phase
            if phase is not None:
                peaks = self.peaks.setdefault(phase, {})
                for name, pid in list(self.watched().items()):
                    for label, p in [(name, pid)] + [(f"{name}/child", c) for c in descendants(pid)]:
                        kb = rss_kb(p)
                        if kb is not None and kb > peaks.get(label, 0):
                            peaks[label] = kb
                self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


def _ticks(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of the line)


def cpu_snapshot(groups: dict[str, list[int]], named: dict[int, str] | None = None) -> dict[int, tuple[str, int]]:
    """{pid: (group, ticks)} for the given groups of pids plus the infrastructure programs.

    ``named`` puts single pids (PostgreSQL backends, say) in a group of their own.
    """
    snap: dict[int, tuple[str, int]] = {}
    for pid, group in (named or {}).items():
        ticks = _ticks(pid)
        if ticks is not None:
            snap[pid] = (group, ticks)
    for group, pids in groups.items():
        for pid in pids:
            ticks = _ticks(pid)
            if ticks is not None:
                snap[pid] = (group, ticks)
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in snap:
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
        except OSError:
            continue
        group = INFRA.get(comm)
        if group is not None:
            ticks = _ticks(int(entry))
            if ticks is not None:
                snap[int(entry)] = (group, ticks)
    return snap


def cpu_delta(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes that ended in between are lost)."""
    out: dict[str, float] = {}
    for pid, (group, ticks) in after.items():
        start = before.get(pid, (group, 0))[1]
        out[group] = out.get(group, 0.0) + (ticks - start) / CLK_TCK
    return out


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]  # to steal
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])

