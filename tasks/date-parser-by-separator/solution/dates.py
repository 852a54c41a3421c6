"""Date parsing for the bank statement importer.

The separator says the format: 2024-02-01 (ISO), 02/01/2024 (US, month first),
01.02.2024 (European, day first).
"""
import re
from datetime import date

ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
EUROPEAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(text: str) -> date:
    """The date a statement row gives as text; ValueError when it is not a valid date."""
    text = text.strip()
    if match := ISO.match(text):
        year, month, day = map(int, match.groups())
        return date(year, month, day)
    if match := US.match(text):
        month, day, year = map(int, match.groups())
        return date(year, month, day)
    if match := EUROPEAN.match(text):
        day, month, year = map(int, match.groups())
        return date(year, month, day)
    raise ValueError(f"not a date: {text!r}")
