"""Static checks the scheduler runs on a job before it accepts it."""
from vm import Host, parse, step


def halts_within(source: str, max_steps: int, host: Host | None = None) -> bool:
    """True when the job program `source` halts within `max_steps` steps when run with the
    host functions `host`, False when it would still be running after them.

    The job runs on the production VM's own `step`; a job that comes back to an exact state
    (pc and stack) is in a loop and never halts, so the answer is False at once, however
    large the budget.
    """
    host = host or {}
    program = parse(source)
    stack: list[int] = []
    pc: int | None = 0 if program.code else None
    seen: set[tuple[int, tuple[int, ...]]] = set()
    steps = 0
    while pc is not None:
        if steps == max_steps:
            return False
        state = (pc, tuple(stack))
        if state in seen:
            return False
        seen.add(state)
        steps += 1
        try:
            pc = step(program, pc, stack, host)
        except (IndexError, KeyError):
            return True  # a runtime error stops the job, within this step
    return True
