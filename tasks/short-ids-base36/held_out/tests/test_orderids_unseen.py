"""Held-out checks for orderids: fresh random order numbers every run, never shown to the agent."""
import random
import subprocess
import sys
from pathlib import Path

from orderids import MAX_ORDERS, order_id, order_number
from test_orderids import ID

ROOT = Path(__file__).resolve().parent.parent


def fresh_numbers(k):
    rng = random.SystemRandom()
    return [rng.randrange(MAX_ORDERS) for _ in range(k)]


def test_fresh_numbers_round_trip():
    numbers = fresh_numbers(5000)
    ids = [order_id(n) for n in numbers]
    assert all(ID.fullmatch(i) for i in ids)
    assert [order_number(i) for i in ids] == numbers
    assert len(set(ids)) == len(set(numbers))


def test_fresh_large_numbers_decode_in_another_process():
    numbers = fresh_numbers(100)
    code = "import sys\nfrom orderids import order_number\nprint(*[order_number(i) for i in sys.argv[1:]])"
    result = subprocess.run(
        [sys.executable, "-c", code, *[order_id(n) for n in numbers]], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert [int(x) for x in result.stdout.split()] == numbers
