"""Held-out traffic for the rate limiter, never shown to the agent."""
from test_ratelimit import Clock, requests_at

from ratelimit import RateLimiter


def test_steady_traffic_for_three_seconds():
    clock = Clock()
    limiter = RateLimiter(clock)
    assert requests_at(limiter, clock, "gamma", [i * 0.0125 for i in range(240)]) == [True] * 240


def test_burst_after_a_pause_is_capped_at_50():
    clock = Clock()
    limiter = RateLimiter(clock)
    assert requests_at(limiter, clock, "gamma", [0.0] * 10) == [True] * 10
    assert requests_at(limiter, clock, "gamma", [2.0] * 60) == [True] * 50 + [False] * 10


def test_rejected_requests_do_not_use_capacity():
    clock = Clock()
    limiter = RateLimiter(clock)
    answers = requests_at(limiter, clock, "gamma", [0.0] * 80 + [0.125] * 13)
    assert answers == [True] * 50 + [False] * 30 + [True] * 12 + [False]
