"""Static checks the scheduler runs on a job before it accepts it."""
from vm import Host


def halts(source: str, host: Host | None = None) -> bool:
    """True when the job program `source` halts (after finitely many steps) when run with the
    host functions `host`, False when it runs forever."""
    raise NotImplementedError
