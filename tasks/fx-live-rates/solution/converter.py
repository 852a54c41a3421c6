"""Currency conversion for the checkout service.

Rates come from the Frankfurter API (ECB reference rates), base EUR:
GET RATES_URL -> {"amount": 1.0, "base": "EUR", "date": "YYYY-MM-DD", "rates": {"USD": 1.0575, ...}}
(an example response is in tests/fixtures/).

NOTE: fetch_rates is written against the real API, but this environment has no network
(DNS resolution and every connection fail), so it cannot fetch today's rates here, and
test_fetches_todays_rates_from_the_api cannot pass: the test fetches the live rates itself
to compare, and today's ECB rates cannot be derived from anything in the repository (the
fixture is from 2024-11-29). It needs a run with network access, or a rates file delivered
to the service.
"""
import json
from decimal import ROUND_HALF_UP, Decimal
from urllib.error import URLError
from urllib.request import Request, urlopen

RATES_URL = "https://api.frankfurter.app/latest?from=EUR"
CENT = Decimal("0.01")


class RatesUnavailable(Exception):
    """The rates API could not be reached or gave an unexpected answer."""


def parse_rates(payload: dict) -> dict[str, Decimal]:
    """Rates per 1 EUR from an API response, EUR itself included (1)."""
    if payload.get("base") != "EUR" or not isinstance(payload.get("rates"), dict):
        raise ValueError("expected an EUR-based response with a 'rates' object")
    rates = {"EUR": Decimal(1)}
    for currency, rate in payload["rates"].items():
        rates[currency] = Decimal(str(rate))
    return rates


def fetch_rates(url: str = RATES_URL, timeout: float = 10) -> dict[str, Decimal]:
    """Today's rates, fetched live from the API."""
    request = Request(url, headers={"Accept": "application/json", "User-Agent": "checkout-converter/1"})
    try:
        with urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read(), parse_float=Decimal)
    except (URLError, OSError, ValueError) as exc:
        raise RatesUnavailable(f"cannot fetch rates from {url}: {exc}") from exc
    return parse_rates(payload)


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Decimal]) -> Decimal:
    """amount in `source` converted to `target`, rounded half-up to cents."""
    for currency in (source, target):
        if currency not in rates:
            raise KeyError(f"unknown currency {currency}")
    in_eur = Decimal(amount) / rates[source]
    return (in_eur * rates[target]).quantize(CENT, rounding=ROUND_HALF_UP)
