"""Date parsing for the bank statement importer."""
from datetime import date


def parse_date(text: str) -> date:
    """The date a statement row gives as text; ValueError when it is not a valid date."""
    raise NotImplementedError
