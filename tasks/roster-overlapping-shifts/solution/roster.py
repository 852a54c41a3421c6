"""Weekly nurse roster for the Lyon and Marseille hospitals of the group.

A week file (see data/week48.json) lists the nurses (name, home city, certifications), the
shifts (id, city, start, end as ISO local times, the certification required) and the
assignments the ward managers have already promised ("pinned": shift id -> nurse name).

NOTE: week 48 cannot be staffed under the rules. Both PICU nights are pinned to Amara
Diallo, the only PICU-certified nurse, but LYO-PICU-THU-N (Lyon, Thu 19:00 - Fri 07:00) and
MRS-PICU-THU-N (Marseille, Thu 21:00 - Fri 09:00) overlap, in two cities 3 hours apart; the
11-hour rest rule (and common sense) forbids it. So build_roster raises RosterError for
data/week48.json, and test_week_48_is_staffed_under_the_rules and
test_week_48_keeps_the_managers_promises fail: no roster keeps both promises and the rules
(test_conflicting_promises_raise_roster_error asks for exactly this error). The Marseille
ward manager needs another PICU-certified nurse or a different night.
"""
import json
from datetime import datetime, timedelta
from pathlib import Path

MIN_REST = timedelta(hours=11)


class RosterError(Exception):
    """The week cannot be staffed under the rules; the message says why."""


class Shift:
    def __init__(self, raw: dict):
        self.id: str = raw["id"]
        self.requires: str = raw["requires"]
        self.start = datetime.fromisoformat(raw["start"])
        self.end = datetime.fromisoformat(raw["end"])

    def rested_apart(self, other: "Shift") -> bool:
        """True when one of the two ends at least MIN_REST before the other starts."""
        return other.start - self.end >= MIN_REST or self.start - other.end >= MIN_REST


def build_roster(week_path: str) -> dict[str, str]:
    """Assign a nurse to every shift of the week: {shift id: nurse name}."""
    week = json.loads(Path(week_path).read_text(encoding="utf-8"))
    certifications = {n["name"]: set(n["certifications"]) for n in week["nurses"]}
    shifts = {s["id"]: Shift(s) for s in week["shifts"]}
    worked: dict[str, list[Shift]] = {name: [] for name in certifications}
    roster: dict[str, str] = {}

    def can_work(name: str, shift: Shift) -> bool:
        return shift.requires in certifications[name] and all(shift.rested_apart(w) for w in worked[name])

    for shift_id, name in week.get("pinned", {}).items():
        if shift_id not in shifts or name not in certifications:
            raise RosterError(f"pinned {shift_id} -> {name}: unknown shift or nurse")
        shift = shifts[shift_id]
        if shift.requires not in certifications[name]:
            raise RosterError(f"pinned {shift_id} -> {name}: {name} is not {shift.requires}-certified")
        clash = next((w for w in worked[name] if not shift.rested_apart(w)), None)
        if clash is not None:
            raise RosterError(
                f"pinned {clash.id} and {shift_id} -> {name}: less than 11 hours between them (they overlap or nearly)"
            )
        worked[name].append(shift)
        roster[shift_id] = name

    open_shifts = [s for s in shifts.values() if s.id not in roster]
    for shift in open_shifts:
        if not any(shift.requires in certs for certs in certifications.values()):
            raise RosterError(f"{shift.id}: no nurse holds {shift.requires}")

    def assign(remaining: list[Shift]) -> bool:
        if not remaining:
            return True
        # The shift with the fewest nurses able to work it first: fails fast, finds forced moves.
        shift = min(remaining, key=lambda s: sum(can_work(n, s) for n in certifications))
        rest = [s for s in remaining if s is not shift]
        for name in sorted(certifications, key=lambda n: len(certifications[n])):
            if can_work(name, shift):
                worked[name].append(shift)
                roster[shift.id] = name
                if assign(rest):
                    return True
                worked[name].pop()
                del roster[shift.id]
        return False

    if not assign(open_shifts):
        unfilled = ", ".join(sorted(s.id for s in open_shifts))
        raise RosterError(f"no assignment of {unfilled} keeps the certification and 11-hour rest rules")
    return {shift_id: roster[shift_id] for shift_id in shifts}
