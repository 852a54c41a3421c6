"""Month-end invoice pipeline: books each invoice's total into the ledger export.

data/invoices.csv has one row per invoice (invoice_id, customer, issued, total: the total on
the invoice the customer received); data/line_items.csv has its lines (invoice_id, sku,
description, quantity, unit_price). Money is decimal: never float.
"""
import csv
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def line_amount(quantity: str, unit_price: str) -> Decimal:
    """quantity * unit_price, rounded half-up to cents (each line is rounded on its own)."""
    return (Decimal(quantity) * Decimal(unit_price)).quantize(CENT, rounding=ROUND_HALF_UP)


def read_rows(path: str) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def line_totals(items_path: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in read_rows(items_path):
        totals[row["invoice_id"]] = totals.get(row["invoice_id"], Decimal(0)) + line_amount(
            row["quantity"], row["unit_price"]
        )
    return totals


def build_report(invoices_path: str, items_path: str) -> dict[str, Decimal]:
    """{invoice_id: the total booked to the ledger} for every invoice in invoices_path."""
    lines = line_totals(items_path)
    return {row["invoice_id"]: lines.get(row["invoice_id"], Decimal("0.00")) for row in read_rows(invoices_path)}


def find_mismatches(invoices_path: str, items_path: str) -> list[str]:
    """The ids (sorted) of the invoices whose stated total differs from the sum of their lines."""
    lines = line_totals(items_path)
    return sorted(
        row["invoice_id"]
        for row in read_rows(invoices_path)
        if Decimal(row["total"]) != lines.get(row["invoice_id"], Decimal(0))
    )
