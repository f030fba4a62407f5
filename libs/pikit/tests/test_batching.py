"""MicroBatcher: concurrent submits share one flush; failures reach every caller of the batch."""

from __future__ import annotations

import asyncio
import time

import pytest

from pikit.batching import MicroBatcher

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_concurrent_submits_are_flushed_together_and_split_at_max_size():
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> None:
        await asyncio.sleep(0.01)
        batches.append(items)

    batcher = MicroBatcher(flush, max_size=4, max_wait=0.05)
    await asyncio.gather(*(batcher.submit(n) for n in range(10)))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


async def test_a_lone_submit_waits_at_most_max_wait():
    flushed: list[list[str]] = []

    async def flush(items: list[str]) -> None:
        flushed.append(items)

    batcher = MicroBatcher(flush, max_size=100, max_wait=0.02)
    started = time.perf_counter()
    await batcher.submit("only")
    assert flushed == [["only"]]
    assert time.perf_counter() - started < 0.5


async def test_a_failed_flush_raises_in_every_caller_of_that_batch_only():
    async def flush(items: list[int]) -> None:
        if 3 in items:
            raise ValueError("disk full")

    batcher = MicroBatcher(flush, max_size=2, max_wait=0.05)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(4)), return_exceptions=True)
    assert results[:2] == [None, None]
    assert [type(r) for r in results[2:]] == [ValueError, ValueError]
