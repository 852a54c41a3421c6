"""Sorting for the ranking service.

The items we sort are compared by a remote comparator (a paid model call per comparison),
so what a sort costs is the number of comparisons it makes. Items support only the rich
comparison operators (<, <=, >, >=, ==, !=); nothing else about them is meaningful.

A stable merge sort: at most n*ceil(log2 n) - 2**ceil(log2 n) + 1 comparisons for n items.
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
