"""Per-client rate limiting for the public API gateway (see README.md)."""
import time
from typing import Callable


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        """`clock` gives the current time in seconds (monotonic)."""
        raise NotImplementedError

    def allow(self, client: str) -> bool:
        """Whether this request of `client`, arriving now, goes through."""
        raise NotImplementedError
