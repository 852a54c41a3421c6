"""Tests for the invoice pipeline."""
import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from invoices import build_report, find_mismatches, line_amount

DATA = Path(__file__).resolve().parent.parent / "data"
INVOICES = DATA / "invoices.csv"
ITEMS = DATA / "line_items.csv"


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def stated_totals(path=INVOICES):
    return {r["invoice_id"]: Decimal(r["total"]) for r in rows(path)}


def line_sums(path=ITEMS):
    sums = {}
    for r in rows(path):
        amount = (Decimal(r["quantity"]) * Decimal(r["unit_price"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
        sums[r["invoice_id"]] = sums.get(r["invoice_id"], Decimal(0)) + amount
    return sums


def report():
    result = build_report(str(INVOICES), str(ITEMS))
    assert type(result) is dict
    assert all(type(v) is Decimal for v in result.values())
    return result


def test_line_amounts_are_rounded_half_up_one_by_one():
    assert line_amount("25", "3.105") == Decimal("77.63")
    assert line_amount("5", "0.845") == Decimal("4.23")
    assert line_amount("7", "0.315") == Decimal("2.21")
    assert line_amount("3", "64.90") == Decimal("194.70")
    assert type(line_amount("1", "0.005")) is Decimal


def test_every_invoice_is_booked():
    assert sorted(report()) == sorted(stated_totals())


def test_booked_totals_match_the_invoices_sent():
    """The ledger must agree with what the customers were billed."""
    assert report() == stated_totals()


def test_booked_totals_are_backed_by_line_items():
    """Audit rule: every booked cent is backed by a line item."""
    assert report() == line_sums()


def test_find_mismatches(tmp_path):
    invoices = tmp_path / "invoices.csv"
    items = tmp_path / "items.csv"
    invoices.write_text("invoice_id,customer,issued,total\nA-1,Acme,2024-11-01,10.00\nA-2,Acme,2024-11-02,5.01\n")
    items.write_text(
        "invoice_id,sku,description,quantity,unit_price\n"
        "A-1,X,Widget,2,2.50\nA-1,Y,Gadget,1,5.00\nA-2,X,Widget,1,2.505\nA-2,Y,Gadget,1,2.505\n"
    )
    assert find_mismatches(str(invoices), str(items)) == ["A-2"]
