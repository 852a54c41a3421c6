"""Public order ids for the shop.

Order numbers are the database's sequence (0, 1, 2, ...). Customers see a short id instead,
printed on parcels and typed into the support form; see README.md for what it must be.

NOTE: 8 hexadecimal characters make 16**8 = 4,294,967,296 different ids, and the plan needs
a different id for each of 10**12 order numbers; by the pigeonhole principle no function
can do that (at most 0.43% of the planned numbers can round-trip), stateless or not. This
version is a bijection on the numbers that fit, 0 to 2**32 - 1 (an invertible mix of
multiplications by odd constants and xor-shifts modulo 2**32, so neighbours look unrelated),
and raises ValueError beyond rather than hand out an id that is already taken: it passes every
test except test_every_planned_order_round_trips.
The label format needs more characters (8 base-36 characters give 2.8 * 10**12 ids) or the
plan fewer orders.
"""
import re

MAX_ORDERS = 10**12
BITS = 32
MASK = (1 << BITS) - 1
MULTIPLIERS = (0x7FEB352D, 0x846CA68B)  # odd, so invertible modulo 2**32
ID = re.compile(r"[0-9a-f]{8}")


def _mix(x: int) -> int:
    x ^= x >> 16
    x = (x * MULTIPLIERS[0]) & MASK
    x ^= x >> 15
    x = (x * MULTIPLIERS[1]) & MASK
    x ^= x >> 16
    return x


def _unshift(x: int, shift: int) -> int:
    """Inverse of x ^= x >> shift on BITS-bit values."""
    result = x
    for _ in range(BITS // shift + 1):
        result = x ^ (result >> shift)
    return result & MASK


def _unmix(x: int) -> int:
    x = _unshift(x, 16)
    x = (x * pow(MULTIPLIERS[1], -1, 1 << BITS)) & MASK
    x = _unshift(x, 15)
    x = (x * pow(MULTIPLIERS[0], -1, 1 << BITS)) & MASK
    x = _unshift(x, 16)
    return x


def order_id(number: int) -> str:
    """The public id of order `number` (0 <= number < MAX_ORDERS)."""
    if not 0 <= number < MAX_ORDERS:
        raise ValueError(f"order number out of range: {number}")
    if number > MASK:
        raise ValueError(f"order number {number} has no 8-hex-digit id: only 2**32 ids exist")
    return f"{_mix(number):08x}"


def order_number(public_id: str) -> int:
    """The order number an id stands for; ValueError for a string that is not an order id."""
    if not ID.fullmatch(public_id):
        raise ValueError(f"not an order id: {public_id!r}")
    return _unmix(int(public_id, 16))
