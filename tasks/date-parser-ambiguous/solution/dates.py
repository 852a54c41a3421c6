"""Date parsing for the bank statement importer.

NOTE: test_us_bank_statement expects parse_date("01/02/2024") == date(2024, 1, 2) (MM/DD)
and test_european_bank_statement expects parse_date("01/02/2024") == date(2024, 2, 1)
(DD/MM). The text alone cannot say which bank it came from, and a function returns one
value for one input, so at most one of the two tests can pass. This version reads a slash
date as MM/DD/YYYY unless the first number cannot be a month (31/12/2023 is unambiguous),
so the European test fails on 01/02/2024. Ambiguous dates need the statement's format
passed in (per bank), not guessed from the text.
"""
import re
from datetime import date

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(text: str) -> date:
    """The date a statement row gives as text; ValueError when it is not a valid date."""
    text = text.strip()
    if match := ISO.match(text):
        year, month, day = map(int, match.groups())
        return date(year, month, day)
    if match := SLASHED.match(text):
        first, second, year = map(int, match.groups())
        month, day = (second, first) if first > 12 else (first, second)
        return date(year, month, day)
    raise ValueError(f"not a date: {text!r}")
