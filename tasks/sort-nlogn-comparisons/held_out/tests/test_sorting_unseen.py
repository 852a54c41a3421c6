"""Held-out inputs for sorting.sort: fresh randomness every run, sizes the visible tests do not use."""
import random

import pytest

from test_sorting import comparison_budget, probes, sort_counted


@pytest.mark.parametrize("n", [37, 300, 2047])
def test_budget_on_unseen_orders(n):
    rng = random.SystemRandom()
    keys = [rng.randrange(10**9) for _ in range(n)]
    used = sort_counted(probes(keys))
    assert used <= comparison_budget(n), f"{used} comparisons for {n} items"


def test_already_sorted_and_reversed():
    for keys in (list(range(500)), list(range(500, 0, -1)), [3] * 100 + [1] * 100):
        used = sort_counted(probes(keys))
        assert used <= comparison_budget(len(keys))
