"""Deep offset pages without walking every row before them.

``OFFSET 250000`` makes PostgreSQL step over 250,000 index entries on every request. This
cache keeps, per list (filters + sort), the sort key of every ``STRIDE``-th row, read in
one pass; a deep page then starts from the nearest boundary with a keyset condition and
skips fewer than ``STRIDE`` rows.

Freshness: every committed write to ``products`` advances the ``products_writes``
sequence (``store.note_writes``, called after the commit); an entry is used only while the
sequence is where it was when the entry was read, and for at most ``TTL_SECONDS`` (a
writer that died between its commit and the note).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from catalog import store

STRIDE = 5_000
TTL_SECONDS = 60.0
MAX_LISTS = 32


@dataclass
class _Entry:
    generation: int
    read_at: float
    boundaries: list[tuple[Any, int]]  # (sort key, id) of rows STRIDE-1, 2*STRIDE-1, ...


class PageBoundaries:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._locks: dict[tuple, asyncio.Lock] = {}

    async def start(self, conn, where: str, args: list, sort_key: str, order: str,
                    offset: int) -> tuple[Any, int, int] | None:
        """(sort key, id, position) of the last row before the nearest boundary at or below
        ``offset``; None when the offset is shallow enough to walk."""
        if offset < STRIDE:
            return None
        key = (where, tuple(args), sort_key, order)
        generation = await store.write_generation(conn)
        entry = self._fresh(key, generation)
        if entry is None:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:  # one reader rebuilds; the others wait for it
                entry = self._fresh(key, generation)
                if entry is None:
                    rows = await store.page_boundaries(conn, where, args, sort_key, order, STRIDE)
                    entry = _Entry(generation, time.monotonic(), [(r["k"], r["id"]) for r in rows])
                    self._remember(key, entry)
        n = min(offset // STRIDE, len(entry.boundaries))
        if n == 0:
            return None
        value, last_id = entry.boundaries[n - 1]
        return value, last_id, n * STRIDE

    def _fresh(self, key: tuple, generation: int) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation or time.monotonic() - entry.read_at > TTL_SECONDS:
            return None
        self._entries.move_to_end(key)
        return entry

    def _remember(self, key: tuple, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_LISTS:
            old, _ = self._entries.popitem(last=False)
            self._locks.pop(old, None)
