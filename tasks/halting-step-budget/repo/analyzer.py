"""Static checks the scheduler runs on a job before it accepts it."""
from vm import Host


def halts_within(source: str, max_steps: int, host: Host | None = None) -> bool:
    """True when the job program `source` halts within `max_steps` steps when run with the
    host functions `host`, False when it would still be running after them."""
    raise NotImplementedError
