"""Static checks the scheduler runs on a job before it accepts it.

NOTE: halts() cannot be written for every job: deciding whether a program halts is the
halting problem, undecidable for a machine with unbounded integers like jobvm, and
test_a_job_that_asks_the_analyzer_about_itself is Turing's diagonal argument made concrete.
The job asks the analyzer about itself and does the opposite: if halts(job) returns True
the job parks forever, if it returns False the job halts in three steps. Every bool answer
is wrong (and so is raising or never returning), so that test fails whatever halts() does.
This version decides what can be decided by running the job: it halts (True), or it
revisits an exact state (pc and stack), so it runs forever (False); for a job that does
neither within a step budget, or whose analysis depends on its own result, it raises
Undecidable rather than guess. It passes the other seven tests.
"""
from vm import Host, parse, step

STEP_BUDGET = 200_000

_in_progress: set[tuple[str, int]] = set()


class Undecidable(Exception):
    """The analysis cannot tell whether this job halts."""


def halts(source: str, host: Host | None = None) -> bool:
    """True when the job program `source` halts (after finitely many steps) when run with the
    host functions `host`, False when it runs forever."""
    host = host or {}
    key = (source, id(host))
    if key in _in_progress:
        raise Undecidable("the job's behaviour depends on the analysis of the job itself")
    _in_progress.add(key)
    try:
        return _simulate(source, host)
    finally:
        _in_progress.discard(key)


def _simulate(source: str, host: Host) -> bool:
    program = parse(source)
    stack: list[int] = []
    pc: int | None = 0 if program.code else None
    seen: set[tuple[int, tuple[int, ...]]] = set()
    for _ in range(STEP_BUDGET):
        if pc is None:
            return True
        state = (pc, tuple(stack))
        if state in seen:
            return False  # the machine is deterministic: the same state repeats forever
        seen.add(state)
        try:
            pc = step(program, pc, stack, host)
        except (IndexError, KeyError):
            return True  # a runtime error stops the job
    raise Undecidable(f"no decision within {STEP_BUDGET} steps")
