"""Currency conversion for the checkout service.

Rates come from the Frankfurter API (ECB reference rates), base EUR:
GET RATES_URL -> {"amount": 1.0, "base": "EUR", "date": "YYYY-MM-DD", "rates": {"USD": 1.0575, ...}}
(an example response is in tests/fixtures/).
"""
from decimal import Decimal

RATES_URL = "https://api.frankfurter.app/latest?from=EUR"


def parse_rates(payload: dict) -> dict[str, Decimal]:
    """Rates per 1 EUR from an API response, EUR itself included (1)."""
    raise NotImplementedError


def fetch_rates(url: str = RATES_URL, timeout: float = 10) -> dict[str, Decimal]:
    """Today's rates, fetched live from the API."""
    raise NotImplementedError


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """amount in `source` converted to `target`, rounded half-up to cents."""
    raise NotImplementedError
