"""Tests for dates.parse_date, with dates taken from real statement exports."""
from datetime import date

import pytest

from dates import parse_date


def check(text, expected):
    result = parse_date(text)
    assert type(result) is date
    assert result == expected


def test_iso_dates():
    check("2024-02-01", date(2024, 2, 1))
    check(" 2023-12-31 ", date(2023, 12, 31))


def test_invalid_dates_raise():
    for text in ("", "yesterday", "2024-13-01", "31/12/2023", "02/30/2024", "12.31.2023", "1/2", "2024/01/02/03"):
        with pytest.raises(ValueError):
            parse_date(text)


def test_us_bank_statement():
    """US banks (Chase, Wells Fargo) write MM/DD/YYYY."""
    check("12/31/2023", date(2023, 12, 31))
    check("02/29/2024", date(2024, 2, 29))
    check("01/02/2024", date(2024, 1, 2))


def test_european_bank_statement():
    """European banks (Deutsche Bank, BNP Paribas) write DD.MM.YYYY."""
    check("31.12.2023", date(2023, 12, 31))
    check("29.02.2024", date(2024, 2, 29))
    check("01.02.2024", date(2024, 2, 1))
