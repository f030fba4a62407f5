"""Per-principal rate limits in Redis (the ``limits`` library, moving windows), shared by every
replica of a service.

``limit = RateLimit(url, namespace, "uploads", "30/minute")``; ``await limit.hit(principal.ref)``
raises a 429 ``ApiError`` with ``Retry-After`` when the window is full. While Redis cannot be
reached the limit lets requests through (and logs it): a rate limit protects capacity, and an
outage of Redis must not stop imports or sign-ins.
"""

from __future__ import annotations

import math
import time

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from pikit.errors import ApiError

log = structlog.get_logger("pikit.ratelimit")


class RateLimit:
    def __init__(self, redis_url: str, namespace: str, name: str, rate: str):
        """``rate``: as the limits library reads it, "30/minute", "5/15 minutes"."""
        self.name = name
        self.item: RateLimitItem = parse(rate)
        self._storage = RedisStorage(redis_url.replace("redis://", "async+redis://", 1), implementation="redispy",
                                     key_prefix=f"{namespace}:ratelimit")
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may act again, or None when it may now (nothing is counted)."""
        try:
            if await self._limiter.test(self.item, self.name, key):
                return None
            stats = await self._limiter.get_window_stats(self.item, self.name, key)
        except Exception as exc:  # Redis away: let it through
            log.warning("rate limit not checked: Redis unavailable", limit=self.name, error=repr(exc))
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def count(self, key: str) -> None:
        """Count one action of ``key`` (a failed sign-in, say) without refusing it."""
        try:
            await self._limiter.hit(self.item, self.name, key)
        except Exception as exc:
            log.warning("rate limit not counted: Redis unavailable", limit=self.name, error=repr(exc))

    async def hit(self, key: str, message: str = "Too many requests.") -> None:
        """Count one action of ``key``; 429 with Retry-After when its window is already full."""
        if (wait := await self.retry_after(key)) is not None:
            raise too_many(wait, message)
        await self.count(key)

    async def clear(self, key: str) -> None:
        try:
            await self._limiter.clear(self.item, self.name, key)
        except Exception as exc:
            log.warning("rate limit not cleared: Redis unavailable", limit=self.name, error=repr(exc))


def too_many(retry_after: int, message: str) -> ApiError:
    return ApiError(429, "rate_limited", f"{message} Try again in {retry_after} s.", retry_after=retry_after,
                    headers={"Retry-After": str(retry_after)})
