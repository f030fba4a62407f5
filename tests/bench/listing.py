"""Catalog list latency at scale: p50/p95 of the reads the dashboard makes, under
8 concurrent clients, against the running stack (through the edge)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import aiohttp

CLIENTS = 8
# 400 requests per case: with 200, a case's p95 (its 10th-slowest request) moved by up to
# 2x between two runs on an idle stack (single product: 35, then 21, then 18 ms).
REQUESTS_PER_CLIENT = 50
PAGE = 50


def cases(product_ids: list[int]) -> dict[str, callable]:
    rng = random.Random(7)
    return {
        "first page": lambda: ("/api/products", {"limit": PAGE}),
        "page 5,000": lambda: ("/api/products", {"limit": PAGE, "page": 5000}),
        "q search": lambda: ("/api/products", {"limit": PAGE, "q": rng.choice(["walnut kettle", "brass hook",
                                                                             "oak desk", "linen pillow"])}),
        "active filter": lambda: ("/api/products", {"limit": PAGE, "active": "true", "sort": "name"}),
        "single product": lambda: (f"/api/products/{rng.choice(product_ids)}", {}),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def session(base_url: str, headers: dict[str, str]) -> aiohttp.ClientSession:
    """The timed requests' client. aiohttp, not httpx: on 2 cores httpx spent 1.7 ms of CPU per
    request (aiohttp 0.35), a third of the machine, in the process whose event loop also
    timestamps the answers, so its own queueing was counted as the catalog's latency (first
    page p95 41-43 ms with httpx, 12-20 ms with aiohttp, same server, back to back)."""
    return aiohttp.ClientSession(base_url=base_url, timeout=aiohttp.ClientTimeout(total=30),
                                 connector=aiohttp.TCPConnector(limit=CLIENTS), headers=headers)


async def timed_get(client: aiohttp.ClientSession, path: str, params: dict) -> tuple[float, int, bytes]:
    """(milliseconds until the whole body was read, status, body)."""
    started = time.perf_counter()
    async with client.get(path, params={k: str(v) for k, v in params.items()}) as response:
        body = await response.read()
    return (time.perf_counter() - started) * 1000, response.status, body


async def _client(client: aiohttp.ClientSession, make, latencies: list[float], errors: list[str]) -> None:
    for _ in range(REQUESTS_PER_CLIENT):
        path, params = make()
        ms, status, body = await timed_get(client, path, params)
        latencies.append(ms)
        if status != 200:
            errors.append(f"{status} {path} {params}: {body[:200].decode(errors='replace')}")


async def measure(base_url: str, headers: dict[str, str], product_ids: list[int]) -> dict:
    results = {}
    async with session(base_url, headers) as client:
        for name, make in cases(product_ids).items():
            await _client(client, make, [], [])  # warm the path (plans, caches) before timing
            latencies: list[float] = []
            errors: list[str] = []
            await asyncio.gather(*(_client(client, make, latencies, errors) for _ in range(CLIENTS)))
            results[name] = {"requests": len(latencies), "p50_ms": statistics.median(latencies),
                             "p95_ms": percentile(latencies, 95), "max_ms": max(latencies),
                             "errors": len(errors), "error_samples": errors[:3]}
    return results


async def authentication_cost(with_auth: str, headers: dict[str, str], without_auth: str, rounds: int = 8) -> dict:
    """First-page reads through the real edge (which checks each request's key with accounts,
    or with its cache of their answers) and through an edge that asks nobody (the same nginx
    config passing a fixed principal on), in alternating rounds so the machine's drift falls on
    both alike. The figure is the median over the rounds of the difference of their p50s; the
    pooled p50 and p95 of each side are reported too."""
    latencies: dict[str, list[float]] = {"with": [], "without": []}
    differences: list[float] = []
    first_page = lambda: ("/api/products", {"limit": PAGE})  # noqa: E731
    async with session(with_auth, headers) as authed, session(without_auth, {}) as open_:
        for client in (authed, open_):
            await _client(client, first_page, [], [])  # warm both
        for _ in range(rounds):
            p50 = {}
            for name, client in (("with", authed), ("without", open_)):
                errors: list[str] = []
                this_round: list[float] = []
                await asyncio.gather(*(_client(client, first_page, this_round, errors) for _ in range(CLIENTS)))
                if errors:
                    raise RuntimeError(f"first page {name} authentication: {errors[:2]}")
                latencies[name] += this_round
                p50[name] = statistics.median(this_round)
            differences.append(p50["with"] - p50["without"])
    result = {name: {"requests": len(v), "p50_ms": statistics.median(v), "p95_ms": percentile(v, 95)}
              for name, v in latencies.items()}
    result["round_differences_ms"] = differences
    result["p50_added_ms"] = statistics.median(differences)
    return result
