"""The CI job queue: turns the night's submissions into the order in which jobs run.

A submission is {"t": submission time, "key": job key, "priority": int}; the submission log
(see tests/fixtures/) has one per line: `t=1 key=lint priority=1`, `#` starts a comment.

A key runs once, with the highest priority it was submitted with, at the place of its first
submission among the jobs of that priority.
"""
from pathlib import Path


def load_log(path: str | Path) -> list[dict]:
    """The submissions of a log file, in file order."""
    submissions = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = dict(part.split("=", 1) for part in line.split())
        try:
            submissions.append({"t": int(fields["t"]), "key": fields["key"], "priority": int(fields["priority"])})
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}:{number}: expected t=INT key=KEY priority=INT, got {raw!r}") from exc
    return submissions


def plan(submissions: list[dict]) -> list[str]:
    """The job keys in the order they will run: each key once."""
    first_time: dict[str, int] = {}
    priority: dict[str, int] = {}
    for submission in submissions:
        key = submission["key"]
        first_time[key] = min(first_time.get(key, submission["t"]), submission["t"])
        priority[key] = max(priority.get(key, submission["priority"]), submission["priority"])
    return sorted(first_time, key=lambda key: (-priority[key], first_time[key]))
