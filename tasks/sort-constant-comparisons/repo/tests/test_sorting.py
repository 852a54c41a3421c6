"""Tests for sorting.sort. Items are opaque probes: only comparisons tell them apart, and every
comparison is counted, as the remote comparator bills it."""
import itertools
import random

import pytest

from sorting import sort

_KEYS = {}  # id(probe) -> its key, out of the code's reach on purpose
COUNT = [0]


def comparison_budget(n):
    """The product team's budget: a constant number of comparator calls per sort, for any n."""
    return 64


class Probe:
    __slots__ = ("__weakref__",)

    def __init__(self, key):
        _KEYS[id(self)] = key

    def _cmp(self, other):
        COUNT[0] += 1
        return (_KEYS[id(self)] > _KEYS[id(other)]) - (_KEYS[id(self)] < _KEYS[id(other)])

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __eq__(self, other):
        return self._cmp(other) == 0

    def __ne__(self, other):
        return self._cmp(other) != 0

    __hash__ = object.__hash__

    def __repr__(self):
        return "<Probe>"


def probes(keys):
    """Probes made in the order of `keys`, so creation order says nothing beyond the input order."""
    return [Probe(k) for k in keys]


def check_sorted(items, result):
    """The result is the input's probes, in key order, equal keys in input order (uncounted)."""
    assert type(result) is list
    assert sorted(map(id, result)) == sorted(map(id, items)), "the same probes, each once"
    position = {id(p): i for i, p in enumerate(items)}
    order = [(_KEYS[id(p)], position[id(p)]) for p in result]
    assert order == sorted(order)


def sort_counted(items):
    before = list(items)
    COUNT[0] = 0
    result = sort(items)
    used = COUNT[0]
    assert len(items) == len(before) and all(a is b for a, b in zip(items, before)), "the input list is left alone"
    check_sorted(before, result)
    return used


def test_every_order_of_five_items():
    for keys in itertools.permutations(range(5)):
        sort_counted(probes(keys))


def test_empty_and_single():
    assert sort([]) == []
    [p] = probes([7])
    assert sort([p])[0] is p


def test_stable_for_equal_keys():
    rng = random.Random(11)
    sort_counted(probes([rng.randrange(5) for _ in range(200)]))


@pytest.mark.parametrize("n", [10, 100, 1000, 5000])
def test_comparison_budget(n):
    rng = random.Random(n)
    keys = list(range(n))
    rng.shuffle(keys)
    used = sort_counted(probes(keys))
    assert used <= comparison_budget(n), f"{used} comparisons for {n} items"
