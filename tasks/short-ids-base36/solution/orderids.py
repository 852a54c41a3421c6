"""Public order ids for the shop.

Order numbers are the database's sequence (0, 1, 2, ...). Customers see a short id instead,
printed on parcels and typed into the support form; see README.md for what it must be.

8 base-36 characters make 36**8 (about 2.8 * 10**12) ids, enough for the 10**12 planned
orders. The id is an affine permutation of the order numbers modulo 10**12 (the multiplier
is coprime to 10**12, so it is invertible), written in base 36: computed, not stored, and
neighbouring orders land far apart.
"""
import re

MAX_ORDERS = 10**12
MULTIPLIER = 387_420_489_071  # coprime to 10**12: neither even nor a multiple of 5
OFFSET = 271_828_182_845
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
ID = re.compile(r"[0-9a-z]{8}")


def order_id(number: int) -> str:
    """The public id of order `number` (0 <= number < MAX_ORDERS)."""
    if not 0 <= number < MAX_ORDERS:
        raise ValueError(f"order number out of range: {number}")
    value = (number * MULTIPLIER + OFFSET) % MAX_ORDERS
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 36)
        chars.append(DIGITS[digit])
    return "".join(reversed(chars))


def order_number(public_id: str) -> int:
    """The order number an id stands for; ValueError for a string that is not an order id."""
    if not ID.fullmatch(public_id):
        raise ValueError(f"not an order id: {public_id!r}")
    value = int(public_id, 36)
    if value >= MAX_ORDERS:
        raise ValueError(f"not an order id: {public_id!r}")
    return (value - OFFSET) * pow(MULTIPLIER, -1, MAX_ORDERS) % MAX_ORDERS
