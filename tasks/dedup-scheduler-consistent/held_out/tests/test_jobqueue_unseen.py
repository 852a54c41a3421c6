"""Held-out nights for jobqueue.plan, never shown to the agent."""
from jobqueue import plan


def sub(t, key, priority):
    return {"t": t, "key": key, "priority": priority}


def test_another_night():
    night = [
        sub(10, "docs", 0),
        sub(11, "e2e", 1),
        sub(12, "docs", 2),
        sub(13, "build", 1),
        sub(14, "e2e", 0),
        sub(15, "lint", 2),
    ]
    assert plan(night) == ["docs", "lint", "e2e", "build"]


def test_submissions_out_of_order_in_the_log():
    assert plan([sub(9, "b", 1), sub(3, "a", 1), sub(1, "b", 1)]) == ["b", "a"]
