"""A held-out month for the invoice pipeline, never shown to the agent."""
from decimal import Decimal

from invoices import build_report, find_mismatches


def test_another_month(tmp_path):
    invoices = tmp_path / "invoices.csv"
    items = tmp_path / "items.csv"
    invoices.write_text(
        "invoice_id,customer,issued,total\n"
        "B-7,Lumen Labs,2024-12-02,16.72\n"
        "B-8,Lumen Labs,2024-12-03,0.00\n"
        "B-9,Quarry Books,2024-12-09,1000.01\n"
    )
    items.write_text(
        "invoice_id,sku,description,quantity,unit_price\n"
        "B-7,R1,Resistor pack,3,1.115\n"
        "B-7,C2,Capacitor pack,9,1.485\n"
        "B-9,BK,Hardcover,1,999.995\n"
        "B-9,BM,Bookmark,1,0.005\n"
    )
    result = build_report(str(invoices), str(items))
    assert result == {"B-7": Decimal("16.72"), "B-8": Decimal("0.00"), "B-9": Decimal("1000.01")}
    assert all(type(v) is Decimal for v in result.values())
    assert find_mismatches(str(invoices), str(items)) == []
