"""The CI job queue: turns the night's submissions into the order in which jobs run.

A submission is {"t": submission time, "key": job key, "priority": int}; the submission log
(see tests/fixtures/) has one per line: `t=1 key=lint priority=1`, `#` starts a comment.
"""
from pathlib import Path


def load_log(path: str | Path) -> list[dict]:
    """The submissions of a log file, in file order."""
    raise NotImplementedError


def plan(submissions: list[dict]) -> list[str]:
    """The job keys in the order they will run: each key once."""
    raise NotImplementedError
