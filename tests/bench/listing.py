"""Catalog list latency at scale: p50/p95 of the reads the dashboard makes, under
8 concurrent clients, against the running stack (through the edge)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import httpx

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


async def _client(client: httpx.AsyncClient, make, latencies: list[float], errors: list[str]) -> None:
    for _ in range(REQUESTS_PER_CLIENT):
        path, params = make()
        started = time.perf_counter()
        response = await client.get(path, params=params)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors.append(f"{response.status_code} {path} {params}: {response.text[:200]}")


async def measure(base_url: str, product_ids: list[int]) -> dict:
    results = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30,
                                 limits=httpx.Limits(max_connections=CLIENTS)) as client:
        for name, make in cases(product_ids).items():
            await _client(client, make, [], [])  # warm the path (plans, caches) before timing
            latencies: list[float] = []
            errors: list[str] = []
            await asyncio.gather(*(_client(client, make, latencies, errors) for _ in range(CLIENTS)))
            results[name] = {"requests": len(latencies), "p50_ms": statistics.median(latencies),
                             "p95_ms": percentile(latencies, 95), "max_ms": max(latencies),
                             "errors": len(errors), "error_samples": errors[:3]}
    return results
