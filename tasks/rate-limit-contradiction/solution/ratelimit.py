"""Per-client rate limiting for the public API gateway (see README.md).

NOTE: the two limits contradict each other. The plan promises 100 requests per second
(test_paid_plan_allows_100_requests_per_second sends one every 10 ms for a second and
expects all 100 through), and the upstream takes at most 50 per second
(test_upstream_never_sees_more_than_50_requests_in_a_second sends the very same first 51
requests, one every 10 ms, and expects the 51st rejected). A fresh limiter sees the same
requests at the same times in both tests, so it gives the same answer to the 51st: at most
one of the two tests can pass. This version protects the upstream (a sliding one-second
window of at most 50 allowed requests per client), so the paid-plan test fails. Either
the plan must promise 50 per second, or the upstream limit must be raised (or requests
queued rather than sent).
"""
import time
from collections import defaultdict, deque
from typing import Callable

WINDOW = 1.0  # seconds
LIMIT = 50  # allowed requests per client in any window


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """`clock` gives the current time in seconds (monotonic)."""
        self._clock = clock
        self._allowed: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, client: str) -> bool:
        """Whether this request of `client`, arriving now, goes through."""
        now = self._clock()
        recent = self._allowed[client]
        while recent and recent[0] <= now - WINDOW:
            recent.popleft()
        if len(recent) >= LIMIT:
            return False
        recent.append(now)
        return True
