"""Held-out statement dates for dates.parse_date, never shown to the agent."""
from datetime import date

import pytest

from dates import parse_date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("03/04/2025", date(2025, 3, 4)),
        ("7/9/2022", date(2022, 7, 9)),
        ("03.04.2025", date(2025, 4, 3)),
        ("7.9.2022", date(2022, 9, 7)),
        ("2025-04-03", date(2025, 4, 3)),
        ("11/12/2021 ", date(2021, 11, 12)),
        (" 11.12.2021", date(2021, 12, 11)),
    ],
)
def test_unseen_dates(text, expected):
    result = parse_date(text)
    assert type(result) is date and result == expected


@pytest.mark.parametrize("text", ["13/01/2025", "29.02.2023", "2025-02-30", "03-04-2025"])
def test_unseen_invalid_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)
