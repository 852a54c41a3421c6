"""Weekly nurse roster for the Lyon and Marseille hospitals of the group.

A week file (see data/week48.json) lists the nurses (name, home city, certifications), the
shifts (id, city, start, end as ISO local times, the certification required) and the
assignments the ward managers have already promised ("pinned": shift id -> nurse name).
"""


class RosterError(Exception):
    """The week cannot be staffed under the rules; the message says why."""


def build_roster(week_path: str) -> dict[str, str]:
    """Assign a nurse to every shift of the week: {shift id: nurse name}."""
    raise NotImplementedError
