"""Sorting for the ranking service.

The items we sort are compared by a remote comparator (a paid model call per comparison),
so what a sort costs is the number of comparisons it makes. Items support only the rich
comparison operators (<, <=, >, >=, ==, !=); nothing else about them is meaningful.

NOTE: the budget in the tests is 64 comparisons per sort whatever the number of items. No
comparison sort can do that: k comparisons have at most 2**k outcomes, and n items have n!
orders, so sorting needs at least log2(n!) comparisons in the worst case and on average
(about 525 for 100 items, 8,530 for 1,000, 54,000 for 5,000); beyond 20 items 64 is already
too few. This is a stable merge sort with at most n*ceil(log2 n) - 2**ceil(log2 n) + 1
comparisons, within a few percent of that bound: it passes the correctness tests and the
budget for 10 items, and fails it for 100, 1,000 and 5,000. The budget needs to grow with
n (n*log2 n), or the product should sort fewer items per call.
"""


def merge(left: list, right: list) -> list:
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if right[j] < left[i]:  # strict: on a tie the left (earlier) item goes first
            merged.append(right[j])
            j += 1
        else:
            merged.append(left[i])
            i += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def sort(items: list) -> list:
    """A new list with the items in ascending order; equal items keep their input order."""
    if len(items) <= 1:
        return list(items)
    middle = len(items) // 2
    return merge(sort(items[:middle]), sort(items[middle:]))
