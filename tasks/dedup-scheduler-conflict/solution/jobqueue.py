"""The CI job queue: turns the night's submissions into the order in which jobs run.

A submission is {"t": submission time, "key": job key, "priority": int}; the submission log
(see tests/fixtures/) has one per line: `t=1 key=lint priority=1`, `#` starts a comment.

NOTE: the tests contradict each other. test_duplicate_keeps_its_first_place and
test_resubmitted_job_goes_to_the_back plan the very same submissions (tests/fixtures/
nightly.log, where lint is submitted at t=1 and again at t=5) and expect lint before
test:unit in one and after it in the other. plan() is a function of its input, so at most
one of them can pass. This version keeps the first place (nobody loses their turn, and a
queue does not reorder behind people's backs); test_resubmitted_job_goes_to_the_back fails.
Which rule the queue follows needs a decision, and the other test needs changing.
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
    first: dict[str, dict] = {}
    for submission in sorted(submissions, key=lambda s: s["t"]):
        first.setdefault(submission["key"], submission)
    ordered = sorted(first.values(), key=lambda s: (-s["priority"], s["t"]))
    return [s["key"] for s in ordered]
