"""Public order ids for the shop.

Order numbers are the database's sequence (0, 1, 2, ...). Customers see a short id instead,
printed on parcels and typed into the support form; see README.md for what it must be.
"""

MAX_ORDERS = 10**12


def order_id(number: int) -> str:
    """The public id of order `number` (0 <= number < MAX_ORDERS)."""
    raise NotImplementedError


def order_number(public_id: str) -> int:
    """The order number an id stands for; ValueError for a string that is not an order id."""
    raise NotImplementedError
