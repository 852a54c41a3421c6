"""Tests for orderids."""
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orderids import MAX_ORDERS, order_id, order_number

ROOT = Path(__file__).resolve().parent.parent
ID = re.compile(r"[0-9a-z]{8}")


def sample_numbers(seed, k=2000, below=MAX_ORDERS):
    rng = random.Random(seed)
    return [0, 1, below // 2, below - 1] + [rng.randrange(below) for _ in range(k)]


def test_format():
    for n in sample_numbers(1, 200, below=10**9):
        public = order_id(n)
        assert type(public) is str and ID.fullmatch(public), (n, public)


def test_first_orders_round_trip():
    for n in range(5000):
        assert order_number(order_id(n)) == n


def test_consecutive_orders_do_not_look_consecutive():
    ids = [order_id(n) for n in range(1000)]
    assert ids != sorted(ids)
    assert all(a[:6] != b[:6] for a, b in zip(ids, ids[1:]))


def decoded_in_another_process(ids):
    """What the support tool, a separate process, decodes from ids made here."""
    code = "import sys\nfrom orderids import order_number\nprint(*[order_number(i) for i in sys.stdin.read().split()])"
    result = subprocess.run(
        [sys.executable, "-c", code], input="\n".join(ids), cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    return [int(x) for x in result.stdout.split()]


def test_ids_are_computed_not_stored():
    numbers = sample_numbers(7, 200, below=10**9)
    assert decoded_in_another_process([order_id(n) for n in numbers]) == numbers


def test_every_planned_order_round_trips():
    numbers = sample_numbers(2024) + [2**32 - 1, 2**32, 2**39]
    ids = [order_id(n) for n in numbers]
    assert decoded_in_another_process(ids) == numbers


def test_rejects_what_is_not_an_id():
    for text in ("", "0000000-", "0000000", "000000000", "ABCDEF01"):
        with pytest.raises(ValueError):
            order_number(text)
