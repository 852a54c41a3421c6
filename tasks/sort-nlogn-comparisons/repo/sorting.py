"""Sorting for the ranking service.

The items we sort are compared by a remote comparator (a paid model call per comparison),
so what a sort costs is the number of comparisons it makes. Items support only the rich
comparison operators (<, <=, >, >=, ==, !=); nothing else about them is meaningful.
"""


def sort(items: list) -> list:
    """A new list with the items in ascending order; equal items keep their input order."""
    raise NotImplementedError
