"""Tests for the gateway's rate limiter, on a clock the test moves by hand."""
from ratelimit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def requests_at(limiter, clock, client, times):
    """Send one request at each time (seconds from the start); the answers, in order."""
    start = clock.now
    answers = []
    for t in times:
        clock.now = start + t
        answers.append(limiter.allow(client))
    return answers


def test_clients_are_limited_separately():
    clock = Clock()
    limiter = RateLimiter(clock)
    assert requests_at(limiter, clock, "alpha", [0.0] * 3) == [True] * 3
    assert requests_at(limiter, clock, "beta", [0.0] * 3) == [True] * 3


def test_a_quiet_client_is_allowed_again():
    clock = Clock()
    limiter = RateLimiter(clock)
    answers = requests_at(limiter, clock, "alpha", [i * 0.001 for i in range(200)])
    assert answers[0] and not answers[-1]
    clock.now += 5.0
    assert limiter.allow("alpha") is True


def test_paid_plan_allows_100_requests_per_second():
    """The plan we sell: 100 requests per second, here one every 10 ms for a second."""
    clock = Clock()
    limiter = RateLimiter(clock)
    assert requests_at(limiter, clock, "alpha", [i * 0.01 for i in range(100)]) == [True] * 100


def test_upstream_never_sees_a_burst_of_more_than_50():
    """The upstream billing API absorbs bursts of at most 50 requests per client: 51 requests
    at the same instant, and the 51st must be rejected."""
    clock = Clock()
    limiter = RateLimiter(clock)
    assert requests_at(limiter, clock, "alpha", [0.0] * 51) == [True] * 50 + [False]


def test_capacity_comes_back_at_100_per_second():
    clock = Clock()
    limiter = RateLimiter(clock)
    answers = requests_at(limiter, clock, "alpha", [0.0] * 50 + [0.25] * 26)
    assert answers == [True] * 75 + [False]
