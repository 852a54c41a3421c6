"""Tests for converter."""
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from urllib.request import urlopen

import pytest

from converter import RATES_URL, convert, fetch_rates, parse_rates

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "frankfurter_2024-11-29.json"


def fixture_rates():
    payload = json.loads(FIXTURE.read_text(), parse_float=Decimal)
    return {"EUR": Decimal(1), **payload["rates"]}


def test_parse_rates():
    rates = parse_rates(json.loads(FIXTURE.read_text()))
    assert rates == fixture_rates()
    assert all(type(v) is Decimal for v in rates.values())
    assert rates["USD"] == Decimal("1.0575")


def test_convert_from_and_to_eur():
    rates = fixture_rates()
    assert convert(Decimal("100.00"), "EUR", "USD", rates) == Decimal("105.75")
    assert convert(Decimal("105.75"), "USD", "EUR", rates) == Decimal("100.00")
    assert convert(Decimal("19.99"), "EUR", "JPY", rates) == Decimal("3168.02")


def test_convert_cross_rate_rounds_half_up():
    rates = {"EUR": Decimal(1), "USD": Decimal("1.25"), "GBP": Decimal("0.8")}
    result = convert(Decimal("0.03"), "USD", "GBP", rates)  # 0.03 / 1.25 * 0.8 = 0.0192
    assert type(result) is Decimal
    assert result == Decimal("0.02")
    assert convert(Decimal("0.05"), "EUR", "GBP", {"EUR": Decimal(1), "GBP": Decimal("0.5")}) == Decimal("0.03")


def test_unknown_currency_raises_key_error():
    with pytest.raises(KeyError, match="XYZ"):
        convert(Decimal("1.00"), "EUR", "XYZ", fixture_rates())


def test_fetches_todays_rates_from_the_api():
    """Checkout must show the current ECB rate, not a stale copy."""
    with urlopen(RATES_URL, timeout=10) as response:
        live = json.loads(response.read(), parse_float=Decimal)
    published = date.fromisoformat(live["date"])
    assert (datetime.now(timezone.utc).date() - published).days <= 4  # weekends and holidays
    assert fetch_rates() == {"EUR": Decimal(1), **live["rates"]}
