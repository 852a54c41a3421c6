"""Per-client rate limiting for the public API gateway (see README.md).

A token bucket per client: it holds at most BURST tokens, refills at RATE tokens per
second, and each allowed request takes one token (a rejected one takes none).
"""
import time
from typing import Callable

RATE = 100.0  # tokens per second: the sustained rate of the plan
BURST = 50.0  # bucket size: the largest burst the upstream absorbs


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """`clock` gives the current time in seconds (monotonic)."""
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, time of last update)

    def allow(self, client: str) -> bool:
        """Whether this request of `client`, arriving now, goes through."""
        now = self._clock()
        tokens, last = self._buckets.get(client, (BURST, now))
        tokens = min(BURST, tokens + (now - last) * RATE)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[client] = (tokens, now)
        return allowed
