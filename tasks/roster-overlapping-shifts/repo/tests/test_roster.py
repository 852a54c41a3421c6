"""Tests for roster.build_roster."""
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from roster import RosterError, build_roster

WEEK = Path(__file__).resolve().parent.parent / "data" / "week48.json"
REST = timedelta(hours=11)


def load(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_roster(week, roster):
    """The rules of README.md, checked on a returned roster."""
    assert type(roster) is dict
    nurses = {n["name"]: n for n in week["nurses"]}
    shifts = {s["id"]: s for s in week["shifts"]}
    assert sorted(roster) == sorted(shifts), "every shift has exactly one nurse"
    worked = {}
    for shift_id, name in roster.items():
        assert type(name) is str and name in nurses, (shift_id, name)
        shift = shifts[shift_id]
        assert shift["requires"] in nurses[name]["certifications"], (shift_id, name)
        worked.setdefault(name, []).append(
            (datetime.fromisoformat(shift["start"]), datetime.fromisoformat(shift["end"]), shift_id)
        )
    for name, spans in worked.items():
        spans.sort()
        for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
            assert start - end >= REST, f"{name} gets less than 11 h rest between {first} and {second}"
    for shift_id, name in week.get("pinned", {}).items():
        assert roster[shift_id] == name, f"pinned {shift_id} -> {name}"


def write_week(folder, nurses, shifts, pinned=None):
    doc = {
        "week": "test",
        "nurses": [{"name": n, "home": "Lyon", "certifications": c} for n, c in nurses.items()],
        "shifts": [
            {"id": i, "city": "Lyon", "start": s, "end": e, "requires": r} for i, (s, e, r) in shifts.items()
        ],
        "pinned": pinned or {},
    }
    path = folder / "week.json"
    path.write_text(json.dumps(doc))
    return str(path)


def test_week_48_is_staffed_under_the_rules():
    check_roster(load(WEEK), build_roster(str(WEEK)))


def test_week_48_keeps_the_managers_promises():
    """Both PICU nights were promised to Amara Diallo, our only PICU-certified nurse."""
    roster = build_roster(str(WEEK))
    assert roster["LYO-PICU-THU-N"] == "Amara Diallo"
    assert roster["MRS-PICU-THU-N"] == "Amara Diallo"


def test_a_week_where_first_come_first_served_fails(tmp_path):
    nurses = {"Ana": ["RN", "ICU"], "Ben": ["RN", "ICU"], "Cleo": ["RN"]}
    shifts = {
        "WARD-D": ("2024-12-02T07:00", "2024-12-02T19:00", "RN"),
        "ICU-D": ("2024-12-02T07:00", "2024-12-02T19:00", "ICU"),
        "ICU-N": ("2024-12-02T19:00", "2024-12-03T07:00", "ICU"),
    }
    path = write_week(tmp_path, nurses, shifts)
    roster = build_roster(path)
    check_roster(load(path), roster)
    assert roster["WARD-D"] == "Cleo"


def test_rest_rule_is_at_least_11_hours(tmp_path):
    nurses = {"Ana": ["RN"]}
    ok = {"D1": ("2024-12-02T07:00", "2024-12-02T19:00", "RN"), "D2": ("2024-12-03T06:00", "2024-12-03T18:00", "RN")}
    path = write_week(tmp_path, nurses, ok)
    assert build_roster(path) == {"D1": "Ana", "D2": "Ana"}
    short = {"D1": ("2024-12-02T07:00", "2024-12-02T19:00", "RN"), "D2": ("2024-12-03T05:59", "2024-12-03T18:00", "RN")}
    with pytest.raises(RosterError):
        build_roster(write_week(tmp_path, nurses, short))


def test_unstaffable_week_raises_roster_error(tmp_path):
    nurses = {"Ana": ["RN"], "Ben": ["RN", "ICU"]}
    shifts = {"ICU-D": ("2024-12-02T07:00", "2024-12-02T19:00", "ICU"), "PICU-N": ("2024-12-02T19:00", "2024-12-03T07:00", "PICU")}
    with pytest.raises(RosterError, match="PICU-N"):
        build_roster(write_week(tmp_path, nurses, shifts))


def test_conflicting_promises_raise_roster_error(tmp_path):
    nurses = {"Ana": ["RN"], "Ben": ["RN"]}
    shifts = {"A": ("2024-12-02T07:00", "2024-12-02T19:00", "RN"), "B": ("2024-12-02T08:00", "2024-12-02T20:00", "RN")}
    with pytest.raises(RosterError, match="Ana"):
        build_roster(write_week(tmp_path, nurses, shifts, pinned={"A": "Ana", "B": "Ana"}))
