"""Currency conversion for the checkout service.

Rates are the ECB reference rates, base EUR, in the Frankfurter API's format:
{"amount": 1.0, "base": "EUR", "date": "YYYY-MM-DD", "rates": {"USD": 1.0575, ...}}
Finance drops the day's file at data/rates.json (an older example is in tests/fixtures/).
"""
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

RATES_FILE = str(Path(__file__).resolve().parent / "data" / "rates.json")
CENT = Decimal("0.01")


def parse_rates(payload: dict) -> dict[str, Decimal]:
    """Rates per 1 EUR from an API response, EUR itself included (1)."""
    if payload.get("base") != "EUR" or not isinstance(payload.get("rates"), dict):
        raise ValueError("expected an EUR-based response with a 'rates' object")
    rates = {"EUR": Decimal(1)}
    for currency, rate in payload["rates"].items():
        rates[currency] = Decimal(str(rate))
    return rates


def load_rates(path: str = RATES_FILE) -> dict[str, Decimal]:
    """The rates of the file finance delivered (data/rates.json by default)."""
    return parse_rates(json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal))


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """amount in `source` converted to `target`, rounded half-up to cents."""
    for currency in (source, target):
        if currency not in rates:
            raise KeyError(f"unknown currency {currency}")
    in_eur = Decimal(amount) / rates[source]
    return (in_eur * rates[target]).quantize(CENT, rounding=ROUND_HALF_UP)
