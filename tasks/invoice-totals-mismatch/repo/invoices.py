"""Month-end invoice pipeline: books each invoice's total into the ledger export.

data/invoices.csv has one row per invoice (invoice_id, customer, issued, total: the total on
the invoice the customer received); data/line_items.csv has its lines (invoice_id, sku,
description, quantity, unit_price). Money is decimal: never float.
"""
from decimal import Decimal


def line_amount(quantity: str, unit_price: str) -> Decimal:
    """quantity * unit_price, rounded half-up to cents (each line is rounded on its own)."""
    raise NotImplementedError


def build_report(invoices_path: str, items_path: str) -> dict[str, Decimal]:
    """{invoice_id: the total booked to the ledger} for every invoice in invoices_path."""
    raise NotImplementedError


def find_mismatches(invoices_path: str, items_path: str) -> list[str]:
    """The ids (sorted) of the invoices whose stated total differs from the sum of their lines."""
    raise NotImplementedError
