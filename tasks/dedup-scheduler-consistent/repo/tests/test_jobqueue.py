"""Tests for jobqueue."""
from pathlib import Path

from jobqueue import load_log, plan

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def sub(t, key, priority):
    return {"t": t, "key": key, "priority": priority}


def check(submissions, expected):
    result = plan(submissions)
    assert type(result) is list and all(type(k) is str for k in result)
    assert result == expected


def test_parses_the_log():
    assert load_log(FIXTURES / "nightly.log")[:2] == [sub(1, "lint", 1), sub(2, "build:web", 2)]
    assert len(load_log(FIXTURES / "nightly.log")) == 6


def test_empty_night():
    check([], [])


def test_priority_then_submission_time():
    check([sub(1, "a", 0), sub(2, "b", 5), sub(3, "c", 5), sub(4, "d", 1)], ["b", "c", "d", "a"])


def test_each_job_runs_once():
    check([sub(1, "a", 1), sub(2, "a", 1), sub(3, "a", 1)], ["a"])


def test_duplicate_keeps_its_first_place():
    """A job submitted again keeps the place of its first submission: nobody loses their turn
    because someone pressed "rerun"."""
    check(
        load_log(FIXTURES / "nightly.log"),
        ["build:web", "build:api", "lint", "test:unit", "deploy:staging"],
    )


def test_urgent_resubmission_moves_up():
    """A job submitted again with a higher priority takes that priority, and keeps its first
    submission time among the jobs of that priority."""
    check(
        load_log(FIXTURES / "nightly_urgent.log"),
        ["lint", "build:web", "build:api", "test:unit", "deploy:staging"],
    )
