"""Currency conversion for the checkout service.

Rates are the ECB reference rates, base EUR, in the Frankfurter API's format:
{"amount": 1.0, "base": "EUR", "date": "YYYY-MM-DD", "rates": {"USD": 1.0575, ...}}
Finance drops the day's file at data/rates.json (an older example is in tests/fixtures/).
"""
from decimal import Decimal
from pathlib import Path

RATES_FILE = str(Path(__file__).resolve().parent / "data" / "rates.json")


def parse_rates(payload: dict) -> dict[str, Decimal]:
    """Rates per 1 EUR from an API response, EUR itself included (1)."""
    raise NotImplementedError


def load_rates(path: str = RATES_FILE) -> dict[str, Decimal]:
    """The rates of the file finance delivered (data/rates.json by default)."""
    raise NotImplementedError


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """amount in `source` converted to `target`, rounded half-up to cents."""
    raise NotImplementedError
