"""Held-out weeks for roster.build_roster, never shown to the agent."""
from test_roster import check_roster, load, write_week

import pytest

from roster import RosterError, build_roster


def test_a_weekend_that_needs_backtracking(tmp_path):
    nurses = {"Ana": ["RN", "ICU", "PICU"], "Ben": ["RN", "ICU"], "Cleo": ["RN", "ICU"], "Dina": ["RN"]}
    shifts = {
        "SAT-WARD-D": ("2024-12-07T07:00", "2024-12-07T19:00", "RN"),
        "SAT-ICU-D": ("2024-12-07T07:00", "2024-12-07T19:00", "ICU"),
        "SAT-ICU-N": ("2024-12-07T19:00", "2024-12-08T07:00", "ICU"),
        "SAT-PICU-N": ("2024-12-07T19:00", "2024-12-08T07:00", "PICU"),
        "SUN-ICU-D": ("2024-12-08T07:00", "2024-12-08T19:00", "ICU"),
        "SUN-WARD-D": ("2024-12-08T07:00", "2024-12-08T19:00", "RN"),
    }
    path = write_week(tmp_path, nurses, shifts)
    roster = build_roster(path)
    check_roster(load(path), roster)
    assert roster["SAT-PICU-N"] == "Ana"


def test_a_weekend_that_cannot_be_staffed(tmp_path):
    nurses = {"Ana": ["RN", "ICU"], "Ben": ["RN", "ICU"]}
    shifts = {
        "SAT-ICU-D": ("2024-12-07T07:00", "2024-12-07T19:00", "ICU"),
        "SAT-ICU-N": ("2024-12-07T19:00", "2024-12-08T07:00", "ICU"),
        "SUN-ICU-D": ("2024-12-08T05:30", "2024-12-08T19:00", "ICU"),
    }
    with pytest.raises(RosterError):
        build_roster(write_week(tmp_path, nurses, shifts))
