"""Held-out conversions for the converter, never shown to the agent."""
from decimal import Decimal

from converter import convert, parse_rates


def test_other_rates():
    rates = parse_rates({"amount": 1.0, "base": "EUR", "date": "2024-12-02", "rates": {"USD": 1.0479, "HUF": 413.2}})
    assert rates == {"EUR": Decimal(1), "USD": Decimal("1.0479"), "HUF": Decimal("413.2")}
    assert convert(Decimal("250.00"), "USD", "HUF", rates) == Decimal("98578.11")
    assert convert(Decimal("0.01"), "HUF", "EUR", rates) == Decimal("0.00")
