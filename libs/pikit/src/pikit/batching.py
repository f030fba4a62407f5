"""Many concurrent callers, one database round trip: a small micro-batcher.

Each ``await batcher.submit(item)`` returns once the batch holding ``item`` has been written
by ``flush(items)`` (or raises what the flush raised, for every caller in the batch). A
batch is written when it reaches ``max_size`` items or ``max_wait`` seconds after its first
item, whichever comes first, so a lone caller waits at most ``max_wait``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class MicroBatcher(Generic[T]):
    def __init__(self, flush: Callable[[list[T]], Awaitable[None]], *, max_size: int = 200,
                 max_wait: float = 0.005):
        self._flush = flush
        self.max_size = max_size
        self.max_wait = max_wait
        self._items: list[T] = []
        self._waiters: list[asyncio.Future] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writes: set[asyncio.Task] = set()

    async def submit(self, item: T) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._items.append(item)
        self._waiters.append(waiter)
        if len(self._items) >= self.max_size:
            self._write()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.max_wait, self._write)
        await waiter

    def _write(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, waiters = self._items, self._waiters
        self._items, self._waiters = [], []
        if items:
            task = asyncio.create_task(self._run(items, waiters))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _run(self, items: list[T], waiters: list[asyncio.Future]) -> None:
        try:
            await self._flush(items)
        except BaseException as exc:  # every caller of the batch learns it failed
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            if not isinstance(exc, Exception):
                raise
        else:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
